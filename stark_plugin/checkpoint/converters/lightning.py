"""Key mapping from official STARK-Lightning checkpoints to this package.

The official network ``STARKLightningXtrt`` (``*.pth.tar``, state dict under
``net``, read with
:func:`stark_plugin.checkpoint.official_unpickler.load_official_checkpoint`)
maps onto the modules of ``configs/_base_/models/stark_lightning_x_trt.py``::

    backbone.body.<stage...>             backbone.<stage...>  (RepVGG, same
                                         block names: rbr_dense / rbr_1x1 /
                                         rbr_identity, or rbr_reparam)
    bottleneck.{weight,bias}             neck.convs.0.conv.*
    pos_emb_z0.{row,col}_embed.weight    positional_encoding.encodings.
                                         template.*
    pos_emb_x.{row,col}_embed.weight     positional_encoding.encodings.search.*
    transformer.encoder.self_attn.*      head.encoder.self_attn.*
    transformer.encoder.linear1.*        head.encoder.ffn.layers.0.0.*
    transformer.encoder.linear2.*        head.encoder.ffn.layers.1.*
    transformer.encoder.norm{1,2}.*      head.encoder.norms.{0,1}.*
    box_head.conv_tower.*                head.bbox_head.conv_tower.*
"""
import re
from collections import OrderedDict
from typing import Dict

import torch

from .rules import StateDict, apply_rules, compile_rules

_BLOCK = (r'(?:rbr_dense\.(?:conv\.weight|bn\.[a-z_]+)|'
          r'rbr_1x1\.(?:conv\.weight|bn\.[a-z_]+)|rbr_identity\.[a-z_]+|'
          r'rbr_reparam\.(?:weight|bias))')
_ENC = r'^transformer\.encoder\.'

LIGHTNING_RULES = compile_rules([
    (r'^backbone\.body\.(stage0\.' + _BLOCK + r')$', r'backbone.\1'),
    (r'^backbone\.body\.(stage[1-9]\d*\.\d+\.' + _BLOCK + r')$',
     r'backbone.\1'),
    (r'^bottleneck\.(weight|bias)$', r'neck.convs.0.conv.\1'),
    (r'^pos_emb_z0\.(row_embed|col_embed)\.weight$',
     r'positional_encoding.encodings.template.\1.weight'),
    (r'^pos_emb_x\.(row_embed|col_embed)\.weight$',
     r'positional_encoding.encodings.search.\1.weight'),
    (_ENC + r'self_attn\.(in_proj_weight|in_proj_bias|out_proj\.weight|'
     r'out_proj\.bias)$', r'head.encoder.self_attn.\1'),
    (_ENC + r'linear1\.(weight|bias)$', r'head.encoder.ffn.layers.0.0.\1'),
    (_ENC + r'linear2\.(weight|bias)$', r'head.encoder.ffn.layers.1.\1'),
    (_ENC + r'norm1\.(weight|bias)$', r'head.encoder.norms.0.\1'),
    (_ENC + r'norm2\.(weight|bias)$', r'head.encoder.norms.1.\1'),
    (r'^box_head\.(conv_tower\.\d+\.' + _BLOCK + r')$',
     r'head.bbox_head.\1'),
    (r'^box_head\.(conv_tower\.\d+\.(?:weight|bias))$', r'head.bbox_head.\1'),
])

#: keys only a STARK-Lightning network has (any one identifies it).
_MARKERS = re.compile(r'^(pos_emb_x\.|pos_emb_z0\.|backbone\.body\.stage0\.'
                      r'|box_head\.conv_tower\.)')


def is_official_lightning_state_dict(state_dict: StateDict) -> bool:
    """Whether ``state_dict`` (an official ``net`` entry) is a
    STARK-Lightning network: it has the learned position embeddings
    (``pos_emb_x.*``), the RepVGG backbone (``backbone.body.stage0.*``) or
    the shared corner tower (``box_head.conv_tower.*``), and no STARK-S/ST
    ResNet (``backbone.0.body.*``)."""
    keys = list(state_dict)
    if any(k.startswith('backbone.0.body.') for k in keys):
        return False
    return any(_MARKERS.match(k) for k in keys)


def convert_official_lightning_state_dict(
        state_dict: StateDict) -> 'OrderedDict[str, torch.Tensor]':
    """Official STARK-Lightning ``net`` state dict -> this package's layout
    (multi-branch training form, or ``rbr_reparam`` keys of a
    reparameterised network, which need a model built with ``deploy=True``
    in its RepVGG modules).

    Raises:
        UnknownKeysError: naming every key no rule maps.
    """
    out, _ = apply_rules(state_dict, LIGHTNING_RULES,
                          'official STARK-Lightning')
    return out


def describe_lightning_state_dict(state_dict: StateDict) -> Dict[str, object]:
    """Variant summary of a converted STARK-Lightning state dict."""
    stages = {}
    for k in state_dict:
        m = re.match(r'^backbone\.stage(\d+)\.(\d+)\.', k)
        if m:
            s, b = int(m.group(1)), int(m.group(2))
            stages[s] = max(stages.get(s, 0), b + 1)
    deploy = any('.rbr_reparam.' in k for k in state_dict)
    return dict(
        variant='STARK-Lightning',
        backbone='RepVGG',
        stage_blocks=[stages[s] for s in sorted(stages)],
        form='reparameterised' if deploy else 'multi-branch')
