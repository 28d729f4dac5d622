from .augment import BrightnessAug, GrayAug, SeqRandomFlip
from .crop import (CheckPadMaskValidity, SeqBboxJitter, SeqCropLikeStark,
                   crop_too_small, jitter_box)
from .formatting import PackSOTInputs, PackSOTTestInputs
from .sampling import (CausalSampling, TridentSampling, centre_box,
                       sample_ids)

__all__ = [
    'BrightnessAug', 'GrayAug', 'SeqRandomFlip', 'CheckPadMaskValidity',
    'SeqBboxJitter', 'SeqCropLikeStark', 'jitter_box', 'PackSOTInputs',
    'PackSOTTestInputs', 'TridentSampling', 'CausalSampling',
    'crop_too_small', 'centre_box', 'sample_ids'
]
