# STARK-ST101 stage 2 (score head only, 50 epochs, from a stage-1
# checkpoint); test settings for VOT2020 long-term: the toolkit's votlt2020
# 'longterm' experiment (one pass with confidences; precision / recall /
# F-score).
# Training, loop and results folder: _base_/stark_st2_vot.py
_base_ = [
    './_base_/stark_st2_r101_vot.py', '../../_base_/datasets/votlt2020.py'
]
# official VOT2020-LT setting: UPDATE_INTERVALS.VOT20LT of
# experiments/stark_st2/baseline_R101.yaml (search 320 px / factor 5, template
# 128 px / factor 2)
model = dict(test_cfg=dict(update_intervals=[100]))
