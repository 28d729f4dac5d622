"""Key mapping from published STARK checkpoints to this package's layout.

Two sources:

* the official code (researchmm/Stark, ``*.pth.tar``): state dict under
  ``net`` (read by :mod:`stark_plugin.checkpoint.official_unpickler`);
* mmtracking 0.x (``stark_st*_r50_*.pth``): mmcv-1.x transformer layout.

Both map onto mmdet-3.x module names::

    backbone.*             mmdet ResNet (FrozenBN: no num_batches_tracked)
    neck.convs.0.conv.*    1x1 conv 1024 -> 256
    head.transformer.encoder.layers.N.{self_attn.attn, ffn.layers, norms}
    head.transformer.decoder.layers.N.{self_attn.attn, cross_attn.attn,
                                       ffn.layers, norms}
    head.transformer.decoder.post_norm.*
    head.query_embedding.weight
    head.bbox_head.{tl,br}_corner_pred.{0-3}.{conv,bn}.*, .4.*
    head.cls_head.layers.{0,1,2}.*  (STARK-ST only)
"""
import re
from collections import OrderedDict
from typing import Any, Dict, Optional

import torch

from .rules import StateDict, apply_rules, compile_rules


_ENC = r'transformer\.encoder\.layers\.(\d+)\.'
_DEC = r'transformer\.decoder\.layers\.(\d+)\.'
_T = 'head.transformer.'
_CORNER = {'1': '0', '2': '1', '3': '2', '4': '3'}

OFFICIAL_RULES = compile_rules([
    (r'^backbone\.0\.body\.(.+)$', r'backbone.\1'),
    (r'^bottleneck\.(weight|bias)$', r'neck.convs.0.conv.\1'),
    (_ENC + r'self_attn\.(.+)$', _T + r'encoder.layers.\1.self_attn.attn.\2'),
    (_ENC + r'linear1\.(weight|bias)$',
     _T + r'encoder.layers.\1.ffn.layers.0.0.\2'),
    (_ENC + r'linear2\.(weight|bias)$',
     _T + r'encoder.layers.\1.ffn.layers.1.\2'),
    (_ENC + r'norm1\.(weight|bias)$', _T + r'encoder.layers.\1.norms.0.\2'),
    (_ENC + r'norm2\.(weight|bias)$', _T + r'encoder.layers.\1.norms.1.\2'),
    (_DEC + r'self_attn\.(.+)$', _T + r'decoder.layers.\1.self_attn.attn.\2'),
    (_DEC + r'multihead_attn\.(.+)$',
     _T + r'decoder.layers.\1.cross_attn.attn.\2'),
    (_DEC + r'linear1\.(weight|bias)$',
     _T + r'decoder.layers.\1.ffn.layers.0.0.\2'),
    (_DEC + r'linear2\.(weight|bias)$',
     _T + r'decoder.layers.\1.ffn.layers.1.\2'),
    (_DEC + r'norm1\.(weight|bias)$', _T + r'decoder.layers.\1.norms.0.\2'),
    (_DEC + r'norm2\.(weight|bias)$', _T + r'decoder.layers.\1.norms.1.\2'),
    (_DEC + r'norm3\.(weight|bias)$', _T + r'decoder.layers.\1.norms.2.\2'),
    (r'^transformer\.decoder\.norm\.(weight|bias)$',
     _T + r'decoder.post_norm.\1'),
    (r'^query_embed\.weight$', 'head.query_embedding.weight'),
    (r'^cls_head\.layers\.(\d+)\.(weight|bias)$',
     r'head.cls_head.layers.\1.\2'),
])

# corner head: conv{1-4}_{tl,br}.{0: conv, 1: bn}, conv5_{tl,br}: last conv
_CORNER_RE = re.compile(
    r'^box_head\.conv([1-5])_(tl|br)\.(?:(0|1)\.)?'
    r'(weight|bias|running_mean|running_var|num_batches_tracked)$')

MMTRACK_RULES = compile_rules([
    (r'^backbone\.(.+)\.num_batches_tracked$', None),
    (r'^backbone\.(.+)$', r'backbone.\1'),
    (r'^neck\.convs\.0\.conv\.(weight|bias)$', r'neck.convs.0.conv.\1'),
    (r'^head\.' + _ENC + r'attentions\.0\.attn\.(.+)$',
     _T + r'encoder.layers.\1.self_attn.attn.\2'),
    (r'^head\.' + _ENC + r'ffns\.0\.layers\.(0\.0|1)\.(weight|bias)$',
     _T + r'encoder.layers.\1.ffn.layers.\2.\3'),
    (r'^head\.' + _ENC + r'norms\.([01])\.(weight|bias)$',
     _T + r'encoder.layers.\1.norms.\2.\3'),
    (r'^head\.' + _DEC + r'attentions\.0\.attn\.(.+)$',
     _T + r'decoder.layers.\1.self_attn.attn.\2'),
    (r'^head\.' + _DEC + r'attentions\.1\.attn\.(.+)$',
     _T + r'decoder.layers.\1.cross_attn.attn.\2'),
    (r'^head\.' + _DEC + r'ffns\.0\.layers\.(0\.0|1)\.(weight|bias)$',
     _T + r'decoder.layers.\1.ffn.layers.\2.\3'),
    (r'^head\.' + _DEC + r'norms\.([012])\.(weight|bias)$',
     _T + r'decoder.layers.\1.norms.\2.\3'),
    (r'^head\.transformer\.decoder\.post_norm\.(weight|bias)$',
     _T + r'decoder.post_norm.\1'),
    (r'^head\.query_embedding\.weight$', 'head.query_embedding.weight'),
    (r'^head\.bbox_head\.((?:tl|br)_corner_pred\.[0-3]\.(?:conv|bn)\.'
     r'(?:weight|bias|running_mean|running_var|num_batches_tracked))$',
     r'head.bbox_head.\1'),
    (r'^head\.bbox_head\.((?:tl|br)_corner_pred\.4\.(?:weight|bias))$',
     r'head.bbox_head.\1'),
    (r'^head\.cls_head\.layers\.(\d+)\.(weight|bias)$',
     r'head.cls_head.layers.\1.\2'),
])


def _official_corner_key(key: str) -> Optional[str]:
    m = _CORNER_RE.match(key)
    if m is None:
        return None
    idx, corner, sub, name = m.groups()
    branch = f'head.bbox_head.{corner}_corner_pred'
    if idx == '5':
        if sub is not None or name not in ('weight', 'bias'):
            return None
        return f'{branch}.4.{name}'
    if sub is None:
        return None
    if sub == '0':
        if name not in ('weight', 'bias'):
            return None
        return f'{branch}.{_CORNER[idx]}.conv.{name}'
    return f'{branch}.{_CORNER[idx]}.bn.{name}'


def describe_state_dict(state_dict: StateDict) -> Dict[str, Any]:
    """Model variant of a converted state dict: S/ST and ResNet depth."""
    has_cls = any(k.startswith('head.cls_head.') for k in state_dict)
    blocks = {
        int(m.group(1))
        for k in state_dict
        for m in [re.match(r'^backbone\.layer3\.(\d+)\.', k)] if m
    }
    n3 = max(blocks) + 1 if blocks else 0
    depth = {6: 50, 23: 101}.get(n3)
    return dict(
        variant='STARK-ST' if has_cls else 'STARK-S',
        depth=depth,
        layer3_blocks=n3,
        num_encoder_layers=_count(state_dict, 'encoder'),
        num_decoder_layers=_count(state_dict, 'decoder'))


def _count(state_dict: StateDict, part: str) -> int:
    ids = {
        int(m.group(1))
        for k in state_dict
        for m in [re.match(rf'^head\.transformer\.{part}\.layers\.(\d+)\.', k)]
        if m
    }
    return len(ids)


def convert_official_state_dict(
        state_dict: StateDict) -> 'OrderedDict[str, torch.Tensor]':
    """Official STARK ``net`` state dict -> this package's layout.

    Raises:
        UnknownKeysError: naming every key no rule maps.
    """
    out, _ = apply_rules(state_dict, OFFICIAL_RULES, 'official STARK',
                          extra=_official_corner_key)
    return out


def official_key_to_plugin(key: str) -> str:
    """This package's name of one official STARK state-dict key.

    Raises:
        UnknownKeysError: when no rule maps the key.
    """
    out, _ = apply_rules({key: None}, OFFICIAL_RULES, 'official STARK',
                          extra=_official_corner_key)
    return next(iter(out))


def convert_mmtrack_state_dict(
        state_dict: StateDict) -> 'OrderedDict[str, torch.Tensor]':
    """mmtracking 0.x STARK state dict -> this package's layout.

    The backbone's BN ``num_batches_tracked`` buffers are dropped (the
    backbone uses FrozenBN). mmtracking's stage-1 checkpoints have no score
    head; the result then lacks ``head.cls_head.*``.
    """
    out, _ = apply_rules(state_dict, MMTRACK_RULES, 'mmtracking')
    return out
