"""The model of a parity step: the shipped config without dropout, the
fixture's official weights through the checkpoint converter, ``train()``
mode, and a recorder of the head outputs and gradients."""
from collections import OrderedDict
from typing import Any, Dict, List, Tuple

import torch
from mmengine.config import Config
from torch import nn

from ...checkpoint.converters import convert_official_state_dict
from ...registry import MODELS

#: config keys (at any depth of ``model``) that hold a dropout probability
DROPOUT_KEYS = ('attn_drop', 'proj_drop', 'ffn_drop', 'drop_prob', 'dropout')


def dropout_entries(node: Any, prefix: str = 'model'
                    ) -> List[Tuple[str, str, float]]:
    """``(dotted path, key, value)`` of every dropout probability in a
    config dict (keys in ``DROPOUT_KEYS``)."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            path = f'{prefix}.{key}'
            if key in DROPOUT_KEYS and isinstance(value, (int, float)) \
                    and not isinstance(value, bool):
                found.append((path, key, float(value)))
            else:
                found += dropout_entries(value, path)
    return found


def dropout_options(cfg: Config) -> Dict[str, float]:
    """``--cfg-options`` that set every dropout of ``cfg.model`` to 0."""
    return OrderedDict((path, 0.0) for path, _, value in
                       dropout_entries(cfg.model.to_dict()) if value)


def build_model(config: str, state_dict: Dict[str, torch.Tensor],
                head_bn: str) -> Tuple[Config, nn.Module, Dict[str, float]]:
    """The config with every dropout at 0, the model with the official
    weights in ``train()`` mode (the corner head's BatchNorm in eval mode
    when ``head_bn == 'eval'``) and the dropout overrides applied."""
    cfg = Config.fromfile(config)
    options = dropout_options(cfg)
    cfg.merge_from_dict(options)
    model = MODELS.build(cfg.model)
    converted = convert_official_state_dict(state_dict)
    model.load_state_dict(converted, strict=True)
    model.train()  # as the Runner's train loop does
    if head_bn == 'eval':
        for m in model.head.bbox_head.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.eval()
    return cfg, model, options


def active_dropout(model: nn.Module) -> int:
    """Dropout modules with a non-zero probability."""
    count = 0
    for m in model.modules():
        if isinstance(m, nn.Dropout) and m.p > 0:
            count += 1
        if isinstance(m, nn.MultiheadAttention) and m.dropout > 0:
            count += 1
    return count


class StepRecorder:
    """Records the head outputs and every gradient before clipping."""

    def __init__(self, model: nn.Module) -> None:
        self.outputs: Dict[str, torch.Tensor] = {}
        self.grads: Dict[str, torch.Tensor] = {}
        self.handles = [model.head.register_forward_hook(self._head)]
        for name, p in model.named_parameters():
            if p.requires_grad:
                self.handles.append(p.register_post_accumulate_grad_hook(
                    lambda p, name=name: self.grads.__setitem__(
                        name, p.grad.detach().clone())))

    def _head(self, module, args, output) -> None:
        self.outputs = {k: v.detach().clone() for k, v in output.items()}

    def remove(self) -> None:
        """Remove the hooks."""
        for h in self.handles:
            h.remove()

