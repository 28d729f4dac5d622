from .stark import Stark
from .stark_tracker import (StarkTracker, TemplateEntry, TrackerState,
                            decode_pred_box, map_box_back)

__all__ = [
    'Stark', 'StarkTracker', 'TemplateEntry', 'TrackerState',
    'decode_pred_box', 'map_box_back'
]
