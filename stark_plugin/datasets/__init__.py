"""SOT datasets, samplers, the STARK training pipeline and synthetic data."""
from .base_sot_dataset import BaseSOTDataset
from .coco_dataset import SOTCocoDataset
from .folder_dataset import SOTFolderDataset
from .got10k_dataset import GOT10kDataset
from ..errors import AnnotationError
from .lasot_dataset import LaSOTDataset
from .otb_dataset import OTB100Dataset
from .collate import sot_collate, sot_worker_init
from .samplers import QuotaSampler, VideoSampler
from .trackingnet_dataset import TrackingNetDataset
from .uav123_dataset import UAV123Dataset
from .vot_dataset import VOTDataset
from .wrappers import RandomSampleConcatDataset

try:  # the pipeline needs mmcv; datasets alone do not
    from . import transforms  # noqa: F401
except ImportError:  # pragma: no cover
    pass

__all__ = [
    'AnnotationError', 'BaseSOTDataset', 'GOT10kDataset', 'LaSOTDataset',
    'TrackingNetDataset', 'SOTCocoDataset', 'OTB100Dataset',
    'UAV123Dataset', 'VOTDataset', 'SOTFolderDataset',
    'RandomSampleConcatDataset', 'QuotaSampler', 'VideoSampler',
    'sot_collate', 'sot_worker_init'
]
