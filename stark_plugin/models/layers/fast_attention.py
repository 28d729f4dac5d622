"""Fused attention of the lean inference path (see
:mod:`stark_plugin.models.fast_inference`): ``scaled_dot_product_attention``
with the weights of the mmdet / mmcv attention modules, eval mode only."""
from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = ['fast_mha', 'fast_transformer_forward']


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
