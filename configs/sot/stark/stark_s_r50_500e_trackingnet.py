# STARK-S50 (one template, no score head); test settings for trackingnet.
_base_ = [
    '../../_base_/models/stark_s_r50.py',
    '../../_base_/datasets/stark_mix_st1.py',
    '../../_base_/datasets/trackingnet_test.py',
    '../../_base_/schedules/stark_st1_500e.py',
    '../../_base_/default_runtime.py',
]

# ---- training: LaSOT + GOT-10k vot_train + COCO 2017 + TrackingNet
# (1:1:1:1), 500 epochs of 60000 samples,
# batch 16 per GPU x 8 GPUs (published schedule)

# STARK-S trains with one template (no dynamic template)
train_pipeline = _base_.train_pipeline
train_pipeline[0] = dict(  # official STARK-S: 'causal' sampling
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

# ---- testing: trackingnet_test with the benchmark's own protocol
test_cfg = dict(type='SOTTestLoop')
