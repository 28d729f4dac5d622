from .frozen_bn import FrozenBatchNorm2d
from .stark_transformer import StarkTransformer
from .tokens import FeatureTokens

__all__ = ['FrozenBatchNorm2d', 'StarkTransformer', 'FeatureTokens']
