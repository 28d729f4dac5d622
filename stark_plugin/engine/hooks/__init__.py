from .stage_one_weights_check_hook import (StageOneWeightsCheckHook,
                                           StageOneWeightsWarning,
                                           compare_with_checkpoint)

__all__ = [
    'StageOneWeightsCheckHook', 'StageOneWeightsWarning',
    'compare_with_checkpoint'
]
