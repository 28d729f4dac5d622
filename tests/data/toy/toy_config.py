_base_ = ['../../../configs/_base_/default_runtime.py']
custom_imports = dict(imports=['toy_modules'], allow_failed_imports=False)

model = dict(type='ToyRegressor')
train_dataloader = dict(
    batch_size=8,
    num_workers=0,
    dataset=dict(type='ToyDataset', serialize_data=False, lazy_init=False),
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'))
train_cfg = dict(by_epoch=True, max_epochs=2)
optim_wrapper = dict(
    type='OptimWrapper', optimizer=dict(type='SGD', lr=0.1, momentum=0.9))
param_scheduler = [dict(type='MultiStepLR', milestones=[3], gamma=0.1)]
auto_scale_lr = dict(enable=False, base_batch_size=8)
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=1),
    checkpoint=dict(interval=1))
randomness = dict(seed=0)
