# STARK-ST101 stage 2 (score head only, 50 epochs, from a stage-1
# checkpoint); test settings for lasot.
_base_ = [
    '../../_base_/models/stark_st_r101.py', '../../_base_/default_runtime.py'
]
model = dict(
    backbone=dict(init_cfg=None),
    train_cfg=dict(stage='st2'),
    test_cfg=dict(update_intervals=[200]))
