# STARK-ST50 stage 1 (box head, 500 epochs); test settings for trackingnet.
_base_ = [
    '../../_base_/models/stark_st_r50.py',
    '../../_base_/datasets/stark_mix_st1.py',
    '../../_base_/datasets/trackingnet_test.py',
    '../../_base_/schedules/stark_st1_500e.py',
    '../../_base_/default_runtime.py',
]
model = dict(
    train_cfg=dict(stage='st1'), test_cfg=dict(update_intervals=[25]))

# ---- training: LaSOT + GOT-10k vot_train + COCO 2017 + TrackingNet
# (1:1:1:1), 500 epochs of 60000 samples,
# batch 16 per GPU x 8 GPUs (published schedule)
# roots: --cfg-options train_dataloader.dataset.datasets.0.data_root=DIR
# (0 LaSOT, 1 GOT-10k, 2 COCO, 3 TrackingNet) and
# test_dataloader.dataset.data_root=DIR
default_hooks = dict(checkpoint=dict(interval=50))

# ---- testing: trackingnet_test with the benchmark's own protocol
test_cfg = dict(type='SOTTestLoop')
