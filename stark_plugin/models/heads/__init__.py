from .corner_head import CornerPredictorHead, soft_argmax
from .score_head import ScoreHead
from .stark_head import StarkHead

__all__ = ['CornerPredictorHead', 'ScoreHead', 'StarkHead', 'soft_argmax']
