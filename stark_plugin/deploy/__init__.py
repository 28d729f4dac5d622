"""Deployment: ONNX export, the ONNX Runtime backend and int8 graphs."""
from .int8 import check_int8_parity, export_int8
from .onnx_export import export_onnx
from .onnx_runtime import OnnxStarkModel, check_onnx_parity

__all__ = ['export_onnx', 'OnnxStarkModel', 'check_onnx_parity',
           'export_int8', 'check_int8_parity']
