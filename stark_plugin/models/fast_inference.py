"""The lean inference path of STARK: BatchNorm folding and fused attention.

:func:`prepare_for_inference` returns an eval copy of a :class:`Stark`
model (the original, e.g. one being trained, is left alone) in which

* every BatchNorm (``FrozenBatchNorm2d`` of the backbone, eval ``BatchNorm``
  of the corner head) is folded into the convolution before it
  (:func:`fuse_conv_bn`), so the backbone runs convolutions + ReLU only;
* the transformer runs :func:`fast_transformer_forward`: the attention of
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
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.modules.batchnorm import _BatchNorm

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
        from .backbones.repvgg import reparameterize as fuse_repvgg
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


# ----------------------------------------------------------------------
# attention
def fast_mha(attn: nn.Module, query: Tensor, key: Tensor, value: Tensor,
             key_padding_mask: Optional[Tensor] = None,
             same_qk: bool = False) -> Tensor:
    """Output projection of a multi-head attention (its
    ``nn.MultiheadAttention`` weights, eval mode) on batch-first inputs
    that already include the positional encodings, via
    ``scaled_dot_product_attention``. No residual, no dropout.

    Args:
        attn: ``mmcv.cnn.bricks.transformer.MultiheadAttention`` or a
            plain ``nn.MultiheadAttention``.
        query, key, value: ``(B, L, C)``.
        key_padding_mask: ``(B, Lk)`` bool, True = ignore.
        same_qk: ``query is key``: one matrix product for both.
    """
    mha = getattr(attn, 'attn', attn)
    c = mha.embed_dim
    heads = mha.num_heads
    w, b = mha.in_proj_weight, mha.in_proj_bias
    if same_qk:
        q, k = F.linear(query, w[:2 * c], b[:2 * c]).chunk(2, dim=-1)
    else:
        q = F.linear(query, w[:c], b[:c])
        k = F.linear(key, w[c:2 * c], b[c:2 * c])
    v = F.linear(value, w[2 * c:], b[2 * c:])
    bs, lq, lk = q.shape[0], q.shape[1], k.shape[1]
    q = q.reshape(bs, lq, heads, -1).transpose(1, 2)
    k = k.reshape(bs, lk, heads, -1).transpose(1, 2)
    v = v.reshape(bs, lk, heads, -1).transpose(1, 2)
    mask = None
    if key_padding_mask is not None:
        mask = ~key_padding_mask.view(bs, 1, 1, lk)
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    out = out.transpose(1, 2).reshape(bs, lq, c)
    return F.linear(out, mha.out_proj.weight, mha.out_proj.bias)


def fast_transformer_forward(transformer: nn.Module, feat: Tensor,
                             mask: Tensor, pos: Tensor,
                             query_embed: Tensor) -> Tuple[Tensor, Tensor]:
    """Eval forward of :class:`StarkTransformer` with :func:`fast_mha`;
    the same math as mmdet's post-norm DETR encoder/decoder layers."""
    kpm = mask if bool(mask.any()) else None
    x = feat
    for layer in transformer.encoder.layers:
        qk = x + pos
        x = layer.norms[0](x + fast_mha(layer.self_attn, qk, qk, x, kpm,
                                        same_qk=True))
        x = layer.norms[1](layer.ffn(x))
    memory = x
    bs = feat.shape[0]
    query_pos = query_embed.unsqueeze(0).expand(bs, -1, -1)
    q = torch.zeros_like(query_pos)
    mem_pos = memory + pos
    for layer in transformer.decoder.layers:
        qp = q + query_pos
        q = layer.norms[0](q + fast_mha(layer.self_attn, qp, qp, q,
                                        same_qk=True))
        q = layer.norms[1](q + fast_mha(layer.cross_attn, q + query_pos,
                                        mem_pos, memory, kpm))
        q = layer.norms[2](layer.ffn(q))
    hs = transformer.decoder.post_norm(q).unsqueeze(0)
    return hs, memory
