"""RepVGG blocks and the RepVGG-A0 backbone of STARK-Lightning.

A training-form :class:`RepVGGBlock` sums three branches, each followed by
its own BatchNorm: a 3x3 conv, a 1x1 conv and (where input and output
shapes agree) the identity, then applies ReLU. :meth:`RepVGGBlock.
switch_to_deploy` folds the three into one 3x3 conv with bias (the
"reparameterised" or deploy form): the same function up to float rounding.

Module names follow the official code (``rbr_dense.conv``, ``rbr_dense.bn``,
``rbr_1x1``, ``rbr_identity``, ``rbr_reparam``; stages ``stage0`` ...), so an
official ImageNet ``RepVGG-A0-train.pth`` or STARK-Lightning backbone loads
by prefix only.
"""
from collections import OrderedDict
from typing import Optional, Sequence, Tuple

import torch
from mmengine.model import BaseModule
from torch import Tensor, nn

from stark_plugin.registry import MODELS
from ..layers.frozen_bn import FrozenBatchNorm2d, bn_scale_shift


def _norm(norm: str, channels: int) -> nn.Module:
    if norm == 'BN':
        return nn.BatchNorm2d(channels)
    if norm == 'FrozenBN':
        return FrozenBatchNorm2d(channels)
    raise ValueError(f"norm must be 'BN' or 'FrozenBN', got {norm!r}")


def _conv_bn(in_channels: int, out_channels: int, kernel_size: int,
             stride: int, padding: int, norm: str) -> nn.Sequential:
    return nn.Sequential(OrderedDict(
        conv=nn.Conv2d(in_channels, out_channels, kernel_size, stride,
                       padding, bias=False),
        bn=_norm(norm, out_channels)))


class RepVGGBlock(nn.Module):
    """One RepVGG block: ``relu(bn(conv3x3(x)) + bn(conv1x1(x)) +
    bn_id(x))`` in training form, ``relu(conv3x3(x) + b)`` after
    :meth:`switch_to_deploy`.

    Args:
        in_channels, out_channels: channels.
        stride: stride of both convs; the identity branch exists only for
            ``stride == 1`` and ``in_channels == out_channels``.
        norm: ``'BN'`` (``nn.BatchNorm2d``) or ``'FrozenBN'``.
        deploy: build the fused single-conv form directly.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1,
                 norm: str = 'BN', deploy: bool = False) -> None:
        super().__init__()
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.stride = stride
        self.deploy = deploy
        self.nonlinearity = nn.ReLU()
        if deploy:
            self.rbr_reparam = nn.Conv2d(in_channels, out_channels, 3,
                                         stride, 1, bias=True)
            return
        self.rbr_identity = _norm(norm, in_channels) \
            if in_channels == out_channels and stride == 1 else None
        self.rbr_dense = _conv_bn(in_channels, out_channels, 3, stride, 1,
                                  norm)
        self.rbr_1x1 = _conv_bn(in_channels, out_channels, 1, stride, 0,
                                norm)

    def forward(self, x: Tensor) -> Tensor:
        if self.deploy:
            return self.nonlinearity(self.rbr_reparam(x))
        out = self.rbr_dense(x) + self.rbr_1x1(x)
        if self.rbr_identity is not None:
            out = out + self.rbr_identity(x)
        return self.nonlinearity(out)

    def fused_kernel_bias(self) -> Tuple[Tensor, Tensor]:
        """float64 kernel ``(out, in, 3, 3)`` and bias of the fused conv:
        ``k3 t3 + pad(k1 t1) + I t_id`` and the sum of the branch shifts,
        ``t = gamma / sqrt(var + eps)``."""
        s3, b3 = bn_scale_shift(self.rbr_dense.bn)
        s1, b1 = bn_scale_shift(self.rbr_1x1.bn)
        k3 = self.rbr_dense.conv.weight.double()
        kernel = k3 * s3.view(-1, 1, 1, 1)
        k1 = self.rbr_1x1.conv.weight.double() * s1.view(-1, 1, 1, 1)
        kernel[:, :, 1:2, 1:2] += k1
        bias = b3 + b1
        if self.rbr_identity is not None:
            sid, bid = bn_scale_shift(self.rbr_identity)
            idx = torch.arange(self.in_channels, device=k3.device)
            kernel[idx, idx, 1, 1] += sid
            bias = bias + bid
        return kernel, bias

    def switch_to_deploy(self) -> None:
        """Replace the branches by one 3x3 conv with bias (eval models
        only: the BatchNorm statistics become constants)."""
        if self.deploy:
            return
        for m in self.modules():
            if isinstance(m, nn.BatchNorm2d) and m.training:
                raise RuntimeError('switch_to_deploy() needs BatchNorm in '
                                   'eval mode (call model.eval() first)')
        kernel, bias = self.fused_kernel_bias()
        dense = self.rbr_dense.conv
        conv = nn.Conv2d(self.in_channels, self.out_channels, 3,
                         self.stride, 1, bias=True).to(dense.weight.device)
        conv.weight.data = kernel.to(dense.weight.dtype)
        conv.bias.data = bias.to(dense.weight.dtype)
        for p in conv.parameters():
            p.requires_grad_(dense.weight.requires_grad)
        del self.rbr_dense, self.rbr_1x1, self.rbr_identity
        self.rbr_reparam = conv
        self.deploy = True


def reparameterize(model: nn.Module) -> int:
    """Switch every :class:`RepVGGBlock` of ``model`` to its deploy form
    in place; returns how many were switched."""
    count = 0
    for m in list(model.modules()):
        if isinstance(m, RepVGGBlock) and not m.deploy:
            m.switch_to_deploy()
            count += 1
    return count


@MODELS.register_module()
class RepVGG(BaseModule):
    """RepVGG backbone (Ding et al., CVPR 2021), cut after a given stage,
    as STARK-Lightning uses it.

    The default is RepVGG-A0 cut after stage 3 with 4 blocks in it (the
    official ``LAST_STAGE_BLOCK: 4``): stage0 one block 3 -> 48; stage1 2
    blocks (48); stage2 4 blocks (96); stage3 4 blocks (192); the first
    block of each stage has stride 2 (total stride 16).

    Args:
        widths: output channels of stage0, stage1, ...
        num_blocks: blocks of stage1, stage2, ... (stage0 has one).
        out_indices: stages whose outputs are returned (0 = stage0).
        frozen_stages: stages ``0..frozen_stages`` get
            ``requires_grad=False`` (the official Lightning training trains
            stage1-3 only: 0); -1 freezes nothing.
        norm: ``'FrozenBN'`` (official: ``FREEZE_BACKBONE_BN``) or ``'BN'``.
        deploy: build the reparameterised form directly.
    """

    def __init__(self,
                 widths: Sequence[int] = (48, 48, 96, 192),
                 num_blocks: Sequence[int] = (2, 4, 4),
                 out_indices: Sequence[int] = (3, ),
                 frozen_stages: int = 0,
                 norm: str = 'FrozenBN',
                 deploy: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if len(widths) != len(num_blocks) + 1:
            raise ValueError(f'widths ({len(widths)}) must have one entry '
                             f'more than num_blocks ({len(num_blocks)})')
        num_stages = len(widths)
        if any(i < 0 or i >= num_stages for i in out_indices):
            raise ValueError(f'out_indices {tuple(out_indices)} out of '
                             f'range for {num_stages} stages')
        self.out_indices = tuple(out_indices)
        self.frozen_stages = frozen_stages
        self.stage0 = RepVGGBlock(3, widths[0], 2, norm, deploy)
        for i, n in enumerate(num_blocks, start=1):
            blocks = [
                RepVGGBlock(widths[i - 1] if j == 0 else widths[i],
                            widths[i], 2 if j == 0 else 1, norm, deploy)
                for j in range(n)
            ]
            setattr(self, f'stage{i}', nn.Sequential(*blocks))
        self.num_stages = num_stages
        self._freeze_stages()

    def _freeze_stages(self) -> None:
        for i in range(self.frozen_stages + 1):
            for p in getattr(self, f'stage{i}').parameters():
                p.requires_grad = False

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        outs = []
        for i in range(self.num_stages):
            x = getattr(self, f'stage{i}')(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)
