default_scope = 'stark_plugin'

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),
)

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    # LoggerHook that writes the test-metrics JSON from rank 0 only
    logger=dict(type='MainProcessLoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # CheckpointHook that writes every file atomically (safe to kill)
    checkpoint=dict(
        type='AtomicCheckpointHook', interval=10, max_keep_ckpts=3),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # the process's generators (dropout) restart from (seed, epoch, rank)
    # each epoch, so a resumed run is the uninterrupted run
    epoch_seed=dict(type='EpochSeedHook'),
)

vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(
    type='Visualizer', vis_backends=vis_backends, name='visualizer')

log_processor = dict(type='LogProcessor', window_size=50, by_epoch=True)
log_level = 'INFO'

load_from = None
resume = False
