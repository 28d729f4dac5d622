# STARK-ST50 stage 2 (score head only, 50 epochs, from a stage-1
# checkpoint); test settings for VOT2020 long-term (precision / recall /
# F-score).
_base_ = [
    '../../_base_/models/stark_st_r50.py',
    '../../_base_/datasets/stark_mix_st2.py',
    '../../_base_/datasets/votlt2020.py',
    '../../_base_/schedules/stark_st2_50e.py',
    '../../_base_/default_runtime.py',
]
# official VOT2020-LT setting: UPDATE_INTERVALS.VOT20LT of
# experiments/stark_st2/baseline.yaml (search 320 px / factor 5, template 128
# px / factor 2)
model = dict(
    backbone=dict(init_cfg=None),
    train_cfg=dict(stage='st2'),
    test_cfg=dict(update_intervals=[200]))

# ---- training: as stark_st2_r50_50e_lasot.py (the same checkpoint)
default_hooks = dict(checkpoint=dict(interval=10))

# ---- testing: the toolkit's votlt2020 'longterm' (one pass with confidences)
# experiment
# results: WORK_DIR/vot_results/stark_st50/longterm/<seq>/ (the
# vot-toolkit layout; add test_cfg.results_binary=True for .bin files)
test_cfg = dict(type='VOTTestLoop', tracker_name='stark_st50')
