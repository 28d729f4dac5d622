# STARK-ST50 stage 2 (score head only, 50 epochs, from a stage-1
# checkpoint); test settings for VOT2020 short-term (anchor-based, EAO
# [115, 755]): the toolkit's vot2020 'baseline' (multistart) experiment;
# STARK reports its box as a mask, as the official VOT2020 entry does (the
# official EAO 0.505 used masks from Alpha-Refine, which this package does
# not include).
# Training, loop and results folder: _base_/stark_st2_vot.py
_base_ = [
    './_base_/stark_st2_r50_vot.py', '../../_base_/datasets/vot2020.py'
]
# official VOT2020 setting: UPDATE_INTERVALS.VOT20 of
# experiments/stark_st2/baseline.yaml (search 320 px / factor 5, template 128
# px / factor 2)
model = dict(test_cfg=dict(update_intervals=[10]))
# the official VOT2020 entry (lib/test/vot20/stark_vot20.py) replies with
# the box filled as a mask; failures and overlaps are judged on it
test_cfg = dict(report_masks=True)
