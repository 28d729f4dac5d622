from .inference import (CheckpointMismatchError, SOTInferencer, init_model,
                        load_stark_checkpoint)
from .inference import BACKENDS  # noqa: E402
from .onnx_backend import OnnxStarkModel, export_onnx  # noqa: E402

__all__ = [
    'init_model', 'SOTInferencer', 'load_stark_checkpoint',
    'CheckpointMismatchError', 'BACKENDS', 'OnnxStarkModel', 'export_onnx'
]
