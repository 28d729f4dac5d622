from .hooks import (AtomicCheckpointHook, EpochSeedHook, MainProcessLoggerHook,
                    ResumeGuardHook, StageOneWeightsCheckHook,
                    StageOneWeightsWarning, compare_with_checkpoint,
                    install_resume_guard)
from .optim_constructor import (GroupedOptimWrapperConstructor,
                                merge_param_groups, regroup_saved_optimizer)
from .sot_test_loop import SOTTestLoop
from .video_test_loop import VideoTestLoop
from .vot_test_loop import VOTTestLoop

__all__ = [
    'VideoTestLoop', 'SOTTestLoop', 'VOTTestLoop',
    'AtomicCheckpointHook', 'EpochSeedHook', 'MainProcessLoggerHook',
    'ResumeGuardHook', 'install_resume_guard',
    'StageOneWeightsCheckHook', 'StageOneWeightsWarning',
    'compare_with_checkpoint', 'GroupedOptimWrapperConstructor',
    'merge_param_groups', 'regroup_saved_optimizer'
]
