# STARK-Lightning training data (official baseline_rephead_4_lite_search5
# .yaml): LaSOT + GOT-10k vot_train + COCO 2017 + TrackingNet (1:1:1:1),
# 60000 samples per epoch, one template sampled 'causal' within 200 frames
# (the default SAMPLER_MODE of the official Lightning config), template
# 2.0 / 128 without jitter, search 5.0 / 320 with centre jitter 4.5 and
# scale jitter 0.5 (the STARK-ST stage-1 pipeline otherwise).
# Roots: train_dataloader.dataset.datasets.N.data_root (0 LaSOT, 1 GOT-10k,
# 2 COCO, 3 TrackingNet).
_base_ = ['./stark_mix_st1.py']

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
