"""BatchNorm with frozen statistics and affine parameters (DETR style)."""
from typing import Tuple

import torch
from torch import Tensor, nn

from stark_plugin.registry import MODELS


@MODELS.register_module('FrozenBN')
class FrozenBatchNorm2d(nn.Module):
    """BatchNorm2d whose statistics and affine parameters are buffers.

    Computes ``x * scale + shift`` with ``scale = weight * rsqrt(var + eps)``
    and ``shift = bias - mean * scale``, the exact formula of the official
    STARK/DETR backbone (plain ``BatchNorm2d`` in eval mode differs in the
    last float32 bit). It has no ``num_batches_tracked``; such an entry in a
    loaded state dict (torchvision / mmdet checkpoints) is ignored.

    Usable as ``norm_cfg=dict(type='FrozenBN')`` of ``mmdet.ResNet``.
    """

    _abbr_ = 'bn'

    def __init__(self, num_features: int, eps: float = 1e-5,
                 **kwargs) -> None:
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.register_buffer('weight', torch.ones(num_features))
        self.register_buffer('bias', torch.zeros(num_features))
        self.register_buffer('running_mean', torch.zeros(num_features))
        self.register_buffer('running_var', torch.ones(num_features))

    def _load_from_state_dict(self, state_dict, prefix, local_metadata,
                              strict, missing_keys, unexpected_keys,
                              error_msgs):
        state_dict.pop(prefix + 'num_batches_tracked', None)
        super()._load_from_state_dict(state_dict, prefix, local_metadata,
                                      strict, missing_keys, unexpected_keys,
                                      error_msgs)

    def forward(self, x: Tensor) -> Tensor:
        w = self.weight.reshape(1, -1, 1, 1)
        b = self.bias.reshape(1, -1, 1, 1)
        rv = self.running_var.reshape(1, -1, 1, 1)
        rm = self.running_mean.reshape(1, -1, 1, 1)
        scale = w * (rv + self.eps).rsqrt()
        shift = b - rm * scale
        return x * scale + shift

    def extra_repr(self) -> str:
        return f'{self.num_features}, eps={self.eps}'


def bn_scale_shift(bn: nn.Module) -> Tuple[Tensor, Tensor]:
    """float64 ``(scale, shift)`` of an eval BatchNorm / FrozenBatchNorm:
    ``bn(x) = x * scale + shift`` per channel (used to fold it into a
    convolution)."""
    w = bn.weight.double() if bn.weight is not None else \
        torch.ones_like(bn.running_var, dtype=torch.float64)
    b = bn.bias.double() if bn.bias is not None else \
        torch.zeros_like(bn.running_mean, dtype=torch.float64)
    scale = w * (bn.running_var.double() + bn.eps).rsqrt()
    return scale, b - bn.running_mean.double() * scale
