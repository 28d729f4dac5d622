# STARK-ST stage 1 / STARK-S schedule as published: AdamW (lr 1e-4,
# weight decay 1e-4), backbone lr x0.1, gradient clipping at norm 0.1,
# 500 epochs (of QuotaSampler's samples_per_epoch) with lr x0.1 after 400.
# Batch 16 per GPU on 8 GPUs (total 128); `tools/train.py --auto-scale-lr`
# rescales lr for another total batch.
optim_wrapper = dict(
    type='OptimWrapper',
    # one param group per distinct options, as the official code has
    # (mmengine's default: one per parameter); the same updates
    constructor='GroupedOptimWrapperConstructor',
    optimizer=dict(type='AdamW', lr=1e-4, weight_decay=1e-4),
    paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=0.1)}),
    clip_grad=dict(max_norm=0.1, norm_type=2))

max_epochs = 500
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
# no validation during training (the official code only logs a val loss)
val_cfg = None
val_dataloader = None
val_evaluator = None

param_scheduler = [
    dict(
        type='MultiStepLR',
        begin=0,
        end=max_epochs,
        by_epoch=True,
        milestones=[400],
        gamma=0.1)
]

# checkpoint interval: the top-level configs set
#   default_hooks = dict(checkpoint=dict(interval=50))
# (default_hooks belongs to default_runtime.py; bases may not both set it)
auto_scale_lr = dict(enable=False, base_batch_size=128)
