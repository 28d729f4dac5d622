# STARK-ST50 stage 1 (box head, 500 epochs); test settings for lasot.
_base_ = [
    '../../_base_/models/stark_st_r50.py', '../../_base_/default_runtime.py'
]
model = dict(
    train_cfg=dict(stage='st1'), test_cfg=dict(update_intervals=[200]))
