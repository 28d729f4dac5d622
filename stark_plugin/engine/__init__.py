from .hooks import (AtomicCheckpointHook, EpochSeedHook, MainProcessLoggerHook,
                    StageOneWeightsCheckHook, StageOneWeightsWarning,
                    compare_with_checkpoint)
from .sot_test_loop import SOTTestLoop

__all__ = [
    'SOTTestLoop',
    'AtomicCheckpointHook', 'EpochSeedHook', 'MainProcessLoggerHook',
    'StageOneWeightsCheckHook', 'StageOneWeightsWarning',
    'compare_with_checkpoint'
]
