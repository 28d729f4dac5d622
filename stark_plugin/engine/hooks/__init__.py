from .atomic_checkpoint_hook import AtomicCheckpointHook
from .epoch_seed_hook import EpochSeedHook, epoch_seed
from .main_process_logger_hook import MainProcessLoggerHook
from .resume_guard_hook import ResumeGuardHook, install_resume_guard
from .stage_one_weights_check_hook import (StageOneWeightsCheckHook,
                                           StageOneWeightsWarning,
                                           compare_with_checkpoint)

__all__ = [
    'AtomicCheckpointHook', 'EpochSeedHook', 'epoch_seed',
    'MainProcessLoggerHook', 'ResumeGuardHook', 'install_resume_guard',
    'StageOneWeightsCheckHook',
    'StageOneWeightsWarning', 'compare_with_checkpoint'
]
