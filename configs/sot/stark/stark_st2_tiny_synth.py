# Stage 2 of the tiny CPU STARK-ST (see stark_st1_tiny_synth.py): only the
# score head trains (binary cross-entropy on positive / negative search
# regions); everything else is frozen as loaded from the stage-1 checkpoint:
#   python tools/train.py configs/sot/stark/stark_st2_tiny_synth.py \
#       --cfg-options load_from=ST1.pth \
#       train_dataloader.dataset.data_root=DIR \
#       test_dataloader.dataset.data_root=DIR
_base_ = ['./stark_st1_tiny_synth.py']

model = dict(train_cfg=dict(stage='st2'))

# the stage-1 pipeline; the trident sampler also draws negatives
train_pipeline = _base_.train_pipeline
train_pipeline[0].update(cls_pos_prob=0.5)
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

max_epochs = 5
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True,
         milestones=[4], gamma=0.1)
]
default_hooks = dict(
    checkpoint=dict(interval=max_epochs, max_keep_ckpts=1))
# warn loudly when load_from is missing or is not a stage-1 checkpoint
custom_hooks = [dict(type='StageOneWeightsCheckHook')]
