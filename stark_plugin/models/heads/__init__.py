from .corner_head import CornerPredictorHead, soft_argmax
from .lightning_head import CornerLiteRepHead, StarkLightningHead
from .score_head import ScoreHead
from .stark_head import StarkHead

__all__ = [
    'CornerPredictorHead', 'CornerLiteRepHead', 'ScoreHead', 'StarkHead',
    'StarkLightningHead', 'soft_argmax'
]
