from .inference import (CheckpointMismatchError, SOTInferencer, init_model,
                        load_stark_checkpoint)

__all__ = [
    'init_model', 'SOTInferencer', 'load_stark_checkpoint',
    'CheckpointMismatchError'
]
