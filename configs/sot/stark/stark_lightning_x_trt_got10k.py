# STARK-Lightning (official baseline_rephead_4_lite_search5.yaml): one
# training stage; test settings for got10k.
_base_ = [
    '../../_base_/models/stark_lightning_x_trt.py',
    '../../_base_/datasets/stark_mix_st1.py',
    '../../_base_/datasets/got10k_test.py',
    '../../_base_/schedules/stark_st1_500e.py',
    '../../_base_/default_runtime.py',
]

# ---- training, as the official yaml: LaSOT + GOT-10k vot_train + COCO 2017
# + TrackingNet (1:1:1:1), 60000 samples per epoch, 500 epochs, lr x0.1
# after epoch 400, AdamW lr 1e-4 / weight decay 1e-4, backbone lr x0.1,
# gradient clipping 0.1, batch 16 per GPU (8 GPUs), L1 x5 + GIoU x2,
# template 2.0 / 128 (no jitter), search 5.0 / 320 (centre jitter 4.5,
# scale jitter 0.5), one template sampled 'causal' within 200 frames (the
# official default SAMPLER_MODE), FrozenBN backbone with stage0 frozen.
train_pipeline = _base_.train_pipeline
train_pipeline[0] = dict(
    type='CausalSampling', num_template_frames=1, max_gap=200)
train_dataloader = dict(
    dataset=dict(datasets=[
        dict(type='LaSOTDataset', data_root='data/lasot/', split='train',
             pipeline=train_pipeline),
        dict(type='GOT10kDataset', data_root='data/got10k/',
             split='vot_train', pipeline=train_pipeline),
        dict(type='SOTCocoDataset', data_root='data/coco/', split='train',
             pipeline=train_pipeline),
        dict(type='TrackingNetDataset', data_root='data/trackingnet/',
             split='train', pipeline=train_pipeline),
    ]))
# roots: --cfg-options train_dataloader.dataset.datasets.0.data_root=DIR
# (0 LaSOT, 1 GOT-10k, 2 COCO, 3 TrackingNet) and
# test_dataloader.dataset.data_root=DIR
default_hooks = dict(checkpoint=dict(interval=50))

# ---- testing: got10k_test with the benchmark's own protocol
test_cfg = dict(type='SOTTestLoop')
