# STARK-ST stage 2 (score head) training data on GOT-10k: as stage 1, plus
# negative search regions with probability 0.5 and the class label.
_base_ = ['./got10k_stark_st1.py']

train_pipeline = [
    dict(type='TridentSampling', num_template_frames=2,
         max_frame_range=[200], cls_pos_prob=0.5),
    dict(type='TransformBroadcaster',
         mapping=dict(img_path='img_path'),
         remapping=dict(img_path='img_path', img='img',
                        img_shape='img_shape', ori_shape='ori_shape'),
         transforms=[dict(type='LoadImageFromFile')]),
    dict(type='GrayAug', prob=0.05),
    dict(type='SeqRandomFlip', prob=0.5, stage='frames'),
    dict(type='SeqBboxJitter', template_center=0.0, template_scale=0.0,
         search_center=4.5, search_scale=0.5, factors=(2.0, 5.0)),
    dict(type='SeqCropLikeStark', template_factor=2.0, template_size=128,
         search_factor=5.0, search_size=320),
    dict(type='CheckPadMaskValidity', stride=16),
    dict(type='BrightnessAug', jitter=0.2),
    dict(type='SeqRandomFlip', prob=0.5, stage='crops'),
    dict(type='PackSOTInputs'),
]

train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
