from .bbox import (box_iou_xywh, clip_box, cxcywh_to_xywh, cxcywh_to_xyxy,
                   xywh_to_cxcywh, xywh_to_xyxy, xyxy_to_cxcywh,
                   xyxy_to_xywh)
from .crop import crop_side, map_box_to_crop, sample_target
from .sot_data_sample import SOTDataSample

__all__ = [
    'box_iou_xywh', 'clip_box', 'cxcywh_to_xywh', 'cxcywh_to_xyxy',
    'xywh_to_cxcywh', 'xywh_to_xyxy', 'xyxy_to_cxcywh', 'xyxy_to_xywh',
    'crop_side', 'map_box_to_crop', 'sample_target', 'SOTDataSample'
]
