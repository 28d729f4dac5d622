"""Pure numpy metric code: box measures, curves and the named protocols."""
from .boxes import (center_error, clip_boxes_to_image, invalid_box_mask,
                    iou_got10k, iou_inclusive, iou_mmdet_float32,
                    iou_rounded_inclusive, normalized_center_error,
                    xywh_to_xyxy)
from .curves import (NORM_PRECISION_THRESHOLDS, PRECISION_THRESHOLDS,
                     SUCCESS_THRESHOLDS, ao_sr, auc_mean, auc_trapz,
                     precision_curve, success_curve)
from .protocols import (BENCHMARKS, DEFAULT_PROTOCOLS, PROTOCOLS,
                        BaseProtocol, build_protocol, default_protocol)
from .sequence import (InvalidPredictionWarning, ProtocolResult,
                       SequenceInput, ToolkitError)

__all__ = [
    'center_error', 'clip_boxes_to_image', 'invalid_box_mask', 'iou_got10k',
    'iou_inclusive', 'iou_mmdet_float32', 'iou_rounded_inclusive',
    'normalized_center_error', 'xywh_to_xyxy', 'NORM_PRECISION_THRESHOLDS',
    'PRECISION_THRESHOLDS', 'SUCCESS_THRESHOLDS', 'ao_sr', 'auc_mean',
    'auc_trapz', 'precision_curve', 'success_curve', 'BENCHMARKS',
    'DEFAULT_PROTOCOLS', 'PROTOCOLS', 'BaseProtocol', 'build_protocol',
    'default_protocol', 'InvalidPredictionWarning', 'ProtocolResult',
    'SequenceInput', 'ToolkitError'
]
