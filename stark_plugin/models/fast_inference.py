"""The lean inference path of STARK: BatchNorm folding and fused attention.

:func:`prepare_for_inference` returns an eval copy of a :class:`Stark`
model (the original, e.g. one being trained, is left alone) in which

* every BatchNorm (``FrozenBatchNorm2d`` of the backbone, eval ``BatchNorm``
  of the corner head) is folded into the convolution before it
  (:func:`fuse_conv_bn`), so the backbone runs convolutions + ReLU only;
* the transformer runs
  :func:`~stark_plugin.models.layers.fast_attention.fast_transformer_forward`
  (set by the ``fast_inference`` flag of the layers): the attention of
  the mmdet DETR layers with ``scaled_dot_product_attention`` and no
  attention-weight output, the query/key projections of self-attention in
  one matrix product, ``memory + pos`` computed once for all decoder layers;
* the positional encoding of a mask-free crop is computed once per feature
  size and reused (``Stark.extract_tokens`` looks it up);
* RepVGG blocks (STARK-Lightning) are reparameterised: each block's three
  branches become one 3x3 conv with bias (``reparameterize=False`` keeps
  the multi-branch form, with each branch's BatchNorm folded).

All parameters stop requiring gradients. Results equal the plain model
within float32 rounding (about 1e-6 relative).
"""
import copy
import weakref
from typing import Optional, Tuple

import torch
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

from .backbones.repvgg import reparameterize as fuse_repvgg
from .layers.frozen_bn import FrozenBatchNorm2d, bn_scale_shift

_NORMS = (FrozenBatchNorm2d, _BatchNorm)


def fold_conv_bn(conv: nn.Conv2d, bn: nn.Module) -> None:
    """Fold an eval-mode BatchNorm ``bn`` that follows ``conv`` into the
    weight and bias of ``conv`` (in place; computed in float64)."""
    if isinstance(bn, _BatchNorm) and bn.training:
        raise RuntimeError('cannot fold a BatchNorm in training mode')
    scale, shift = bn_scale_shift(bn)
    weight = conv.weight.double() * scale.view(-1, 1, 1, 1)
    bias = shift if conv.bias is None else conv.bias.double() * scale + shift
    dtype = conv.weight.dtype
    conv.weight = nn.Parameter(weight.to(dtype), requires_grad=False)
    conv.bias = nn.Parameter(bias.to(dtype), requires_grad=False)


def fuse_conv_bn(module: nn.Module) -> int:
    """Fold every norm that directly follows a ``Conv2d`` among the
    children of a module (registration order, as mmcv's ``fuse_conv_bn``;
    mmdet's ResNet / Bottleneck and mmcv's ``ConvModule`` register
    ``conv, norm`` pairs this way) and replace it by ``nn.Identity``.

    Returns:
        The number of folded norms.
    """
    count = 0
    last_conv: Optional[nn.Conv2d] = None
    for name, child in module.named_children():
        if isinstance(child, _NORMS) and last_conv is not None:
            fold_conv_bn(last_conv, child)
            setattr(module, name, nn.Identity())
            count += 1
            last_conv = None
        elif isinstance(child, nn.Conv2d):
            last_conv = child
        else:
            last_conv = None
            count += fuse_conv_bn(child)
    return count


_CACHE: 'weakref.WeakKeyDictionary' = weakref.WeakKeyDictionary()


def _weights_key(model: nn.Module) -> Tuple:
    """Changes whenever a parameter or buffer is replaced or modified in
    place (optimizer steps, ``load_state_dict``)."""
    return tuple((t.data_ptr(), t._version)
                 for t in list(model.parameters()) + list(model.buffers()))


def cast_weights(net: nn.Module, dtype: torch.dtype) -> None:
    """Cast the weights of convolutions, linear layers and attention
    projections to ``dtype`` once (under autocast they would be cast on
    every call); norms and embeddings stay float32."""
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            m.to(dtype)
        elif isinstance(m, nn.MultiheadAttention):
            for name in ('in_proj_weight', 'in_proj_bias'):
                p = getattr(m, name)
                if p is not None:
                    p.data = p.data.to(dtype)


def prepare_for_inference(model: nn.Module, inplace: bool = False,
                          use_cache: bool = True,
                          dtype: Optional[torch.dtype] = None,
                          channels_last: Optional[bool] = None,
                          reparameterize: bool = True) -> nn.Module:
    """The lean eval model for tracking (see the module docstring).

    Args:
        model: a :class:`Stark` model.
        inplace: fold into ``model`` itself (it can no longer be trained
            correctly afterwards); default: a fused deep copy.
        use_cache: reuse the copy made for the same, unchanged ``model``
            (``SOTInferencer`` builds one per call; ``SOTTestLoop`` one
            inferencer per video).
        dtype: also cast conv / linear weights to this dtype (``bfloat16``
            for the autocast backend); None keeps float32.
        channels_last: convolution weights in channels-last layout (the
            layout oneDNN computes in on CPU; default: on CPU).
        reparameterize: fuse RepVGG blocks into single convs (see
            :func:`stark_plugin.models.backbones.reparameterize`).
    """
    if getattr(model, 'inference_ready', False):
        return model
    if channels_last is None:
        channels_last = next(model.parameters()).device.type == 'cpu'
    variant = (dtype, channels_last, reparameterize)
    key = _weights_key(model) if use_cache and not inplace else None
    if key is not None:
        hit = _CACHE.get(model, {}).get(variant)
        if hit is not None and hit[0] == key:
            return hit[1]
    net = model if inplace else copy.deepcopy(model)
    net.eval()
    for p in net.parameters():
        p.requires_grad_(False)
    if reparameterize:
        fuse_repvgg(net)
    fuse_conv_bn(net)
    if dtype is not None:
        cast_weights(net, dtype)
    if channels_last:
        for m in net.modules():
            if isinstance(m, nn.Conv2d) and m.weight.dim() == 4:
                m.weight.data = m.weight.data.contiguous(
                    memory_format=torch.channels_last)
    for m in net.modules():
        if hasattr(m, 'fast_inference'):
            m.fast_inference = True
    net.inference_ready = True
    if key is not None:
        _CACHE.setdefault(model, {})[variant] = (key, net)
    return net
