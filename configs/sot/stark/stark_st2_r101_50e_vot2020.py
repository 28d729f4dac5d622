# STARK-ST101 stage 2 (score head only, 50 epochs, from a stage-1
# checkpoint); test settings for VOT2020 short-term (anchor-based, EAO
# [115, 755]).
_base_ = [
    '../../_base_/models/stark_st_r101.py',
    '../../_base_/datasets/stark_mix_st2.py',
    '../../_base_/datasets/vot2020.py',
    '../../_base_/schedules/stark_st2_50e.py',
    '../../_base_/default_runtime.py',
]
# official VOT2020 setting: UPDATE_INTERVALS.VOT20 of
# experiments/stark_st2/baseline_R101.yaml (search 320 px / factor 5, template
# 128 px / factor 2)
model = dict(
    backbone=dict(init_cfg=None),
    train_cfg=dict(stage='st2'),
    test_cfg=dict(update_intervals=[10]))

# ---- training: as stark_st2_r101_50e_lasot.py (the same checkpoint)
default_hooks = dict(checkpoint=dict(interval=10))

# ---- testing: the toolkit's vot2020 'baseline' (multistart) experiment; STARK
# reports boxes (the official EAO 0.497 used masks from Alpha-Refine, which
# this package does not include)
# results: WORK_DIR/vot_results/stark_st101/baseline/<seq>/ (the
# vot-toolkit layout; add test_cfg.results_binary=True for .bin files)
test_cfg = dict(type='VOTTestLoop', tracker_name='stark_st101')
