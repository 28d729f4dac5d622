"""STARK-ST's target-presence score head."""
from typing import Optional

import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor, nn

from stark_plugin.registry import MODELS


@MODELS.register_module()
class ScoreHead(BaseModule):
    """An MLP (ReLU between layers, none after the last) giving one logit.

    Args:
        in_channels: input dims (the decoder output).
        hidden_channels: hidden dims.
        out_channels: output dims (1 for STARK).
        num_layers: number of linear layers (3 for STARK).
    """

    def __init__(self,
                 in_channels: int = 256,
                 hidden_channels: int = 256,
                 out_channels: int = 1,
                 num_layers: int = 3,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        dims = [in_channels] + [hidden_channels] * (num_layers - 1)
        outs = [hidden_channels] * (num_layers - 1) + [out_channels]
        self.layers = nn.ModuleList(
            nn.Linear(i, o) for i, o in zip(dims, outs))

    def forward(self, x: Tensor) -> Tensor:
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < last:
                x = F.relu(x)
        return x
