from .hooks import (AtomicCheckpointHook, EpochSeedHook, MainProcessLoggerHook,
                    StageOneWeightsCheckHook, StageOneWeightsWarning,
                    compare_with_checkpoint)
from .raw_results import read_raw_result, write_raw_result
from .sot_test_loop import SOTTestLoop

__all__ = [
    'SOTTestLoop', 'read_raw_result', 'write_raw_result',
    'AtomicCheckpointHook', 'EpochSeedHook', 'MainProcessLoggerHook',
    'StageOneWeightsCheckHook', 'StageOneWeightsWarning',
    'compare_with_checkpoint'
]
