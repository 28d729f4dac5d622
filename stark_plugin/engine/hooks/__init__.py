from .atomic_checkpoint_hook import AtomicCheckpointHook
from .main_process_logger_hook import MainProcessLoggerHook
from .stage_one_weights_check_hook import (StageOneWeightsCheckHook,
                                           StageOneWeightsWarning,
                                           compare_with_checkpoint)

__all__ = [
    'AtomicCheckpointHook', 'MainProcessLoggerHook',
    'StageOneWeightsCheckHook', 'StageOneWeightsWarning',
    'compare_with_checkpoint'
]
