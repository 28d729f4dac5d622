# Stage 2 of the tiny CPU STARK-ST (see stark_st1_tiny_synth.py): only the
# score head trains (binary cross-entropy on positive / negative search
# regions); everything else is frozen as loaded from the stage-1 checkpoint:
#   python tools/train.py configs/sot/stark/stark_st2_tiny_synth.py \
#       --cfg-options load_from=ST1.pth \
#       train_dataloader.dataset.data_root=DIR \
#       test_dataloader.dataset.data_root=DIR
_base_ = ['./stark_st1_tiny_synth.py']

model = dict(train_cfg=dict(stage='st2'))

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
         search_center=1.5, search_scale=0.25, factors=(2.0, 5.0)),
    dict(type='SeqCropLikeStark', template_factor=2.0,
         template_size={{_base_.template_size}}, search_factor=5.0,
         search_size={{_base_.search_size}}),
    dict(type='CheckPadMaskValidity', stride={{_base_.stride}}),
    dict(type='BrightnessAug', jitter=0.2),
    dict(type='SeqRandomFlip', prob=0.5, stage='crops'),
    dict(type='PackSOTInputs'),
]
train_dataloader = dict(
    sampler=dict(samples_per_epoch=1600),
    dataset=dict(pipeline=train_pipeline))

max_epochs = 5
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True,
         milestones=[4], gamma=0.1)
]
default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', interval=max_epochs,
                    max_keep_ckpts=1))
# warn loudly when load_from is missing or is not a stage-1 checkpoint
custom_hooks = [dict(type='StageOneWeightsCheckHook')]
