from .frozen_bn import FrozenBatchNorm2d
from .lite_encoder import LiteEncoder
from .sized_positional_encoding import SizedPositionalEncoding
from .stark_transformer import StarkTransformer
from .tokens import FeatureTokens

__all__ = [
    'FrozenBatchNorm2d', 'LiteEncoder', 'SizedPositionalEncoding',
    'StarkTransformer', 'FeatureTokens'
]
