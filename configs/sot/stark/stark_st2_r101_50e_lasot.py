# STARK-ST101 stage 2 (score head only, 50 epochs, from a stage-1
# checkpoint); test settings for lasot.
_base_ = [
    '../../_base_/models/stark_st_r101.py',
    '../../_base_/datasets/stark_mix_st2.py',
    '../../_base_/datasets/lasot_test.py',
    '../../_base_/schedules/stark_st2_50e.py',
    '../../_base_/default_runtime.py',
]
model = dict(
    backbone=dict(init_cfg=None),
    train_cfg=dict(stage='st2'),
    test_cfg=dict(update_intervals=[200]))

# ---- training: LaSOT + GOT-10k vot_train + COCO 2017 + TrackingNet
# (1:1:1:1), 50 epochs of 60000 samples,
# batch 16 per GPU x 8 GPUs (published schedule)
# roots: --cfg-options train_dataloader.dataset.datasets.0.data_root=DIR
# (0 LaSOT, 1 GOT-10k, 2 COCO, 3 TrackingNet) and
# test_dataloader.dataset.data_root=DIR
# stage 2 starts from the stage-1 weights (warned loudly if missing):
#   --cfg-options load_from=ST1.pth (its epoch_500.pth)
default_hooks = dict(checkpoint=dict(interval=10))

# ---- testing: lasot_test with the benchmark's own protocol
test_cfg = dict(type='SOTTestLoop')
