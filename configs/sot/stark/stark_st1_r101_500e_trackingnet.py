# STARK-ST101 stage 1 (box head, 500 epochs); test settings for trackingnet.
_base_ = [
    '../../_base_/models/stark_st_r101.py', '../../_base_/default_runtime.py'
]
model = dict(
    train_cfg=dict(stage='st1'), test_cfg=dict(update_intervals=[25]))
