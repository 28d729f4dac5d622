# STARK-Lightning (official experiments/stark_lightning_X_trt/
# baseline_rephead_4_lite_search5.yaml): RepVGG-A0, one lite encoder layer,
# shared RepVGG corner tower; one training stage; test settings for
# trackingnet.
_base_ = [
    '../../_base_/models/stark_lightning_x_trt.py',
    '../../_base_/datasets/stark_mix_lightning.py',
    '../../_base_/datasets/trackingnet_test.py',
    '../../_base_/schedules/stark_st1_500e.py',
    '../../_base_/default_runtime.py',
]

# ---- training as the official yaml: LaSOT + GOT-10k vot_train + COCO 2017
# + TrackingNet (1:1:1:1), 500 epochs of 60000 samples (lr x0.1 after 400),
# AdamW lr 1e-4 / weight decay 1e-4, backbone lr x0.1, gradient clipping
# 0.1, batch 16 per GPU x 8 GPUs, L1 x5 + GIoU x2; FrozenBN backbone with
# stage0 frozen, from the ImageNet RepVGG-A0 weights (see the model base).
# roots: --cfg-options train_dataloader.dataset.datasets.0.data_root=DIR
# (0 LaSOT, 1 GOT-10k, 2 COCO, 3 TrackingNet) and
# test_dataloader.dataset.data_root=DIR
default_hooks = dict(checkpoint=dict(interval=50))

# ---- testing: trackingnet_test with the benchmark's own protocol
test_cfg = dict(type='SOTTestLoop')
