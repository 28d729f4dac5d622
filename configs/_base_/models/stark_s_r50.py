# STARK-S50: one template, no score head, no template update.
_base_ = './stark_st_r50.py'
model = dict(
    head=dict(cls_head=None),
    train_cfg=dict(stage='s'),
    test_cfg=dict(update_intervals=[]))
