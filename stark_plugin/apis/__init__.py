"""The inference API: build a model, track targets in frames and videos."""
from .inference import BACKENDS, ONNX_BACKENDS, SOTInferencer, init_model
from .model_zoo import config_for_checkpoint, sample_clip
from .video import track_video

__all__ = [
    'init_model', 'SOTInferencer', 'BACKENDS', 'ONNX_BACKENDS',
    'track_video', 'config_for_checkpoint', 'sample_clip'
]
