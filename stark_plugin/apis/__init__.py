from .inference import (BACKENDS, CheckpointMismatchError, SOTInferencer,
                        init_model, load_stark_checkpoint)
from .onnx_backend import OnnxStarkModel, export_onnx

__all__ = [
    'init_model', 'SOTInferencer', 'load_stark_checkpoint',
    'CheckpointMismatchError', 'BACKENDS', 'OnnxStarkModel', 'export_onnx'
]
