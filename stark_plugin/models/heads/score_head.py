"""STARK-ST's target-presence score head."""
from typing import Optional

import torch.nn.functional as F
from mmcv.cnn import build_norm_layer
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
        input_norm_cfg: optional norm layer over the input channels, e.g.
            ``dict(type='BN1d')``. Not in STARK (None, the default, keeps
            the official layout and checkpoint keys). The tiny from-scratch
            CPU configs use BN1d: their decoder output varies very little
            from sample to sample next to its mean, and the plain MLP then
            collapses to a constant score; standardizing each channel lets
            it use that variation.
    """

    def __init__(self,
                 in_channels: int = 256,
                 hidden_channels: int = 256,
                 out_channels: int = 1,
                 num_layers: int = 3,
                 input_norm_cfg: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.input_norm = build_norm_layer(
            input_norm_cfg, in_channels)[1] if input_norm_cfg else None
        dims = [in_channels] + [hidden_channels] * (num_layers - 1)
        outs = [hidden_channels] * (num_layers - 1) + [out_channels]
        self.layers = nn.ModuleList(
            nn.Linear(i, o) for i, o in zip(dims, outs))

    def forward(self, x: Tensor) -> Tensor:
        """Logits ``(..., out_channels)`` of features ``(..., in_channels)``.
        """
        if self.input_norm is not None:
            shape = x.shape
            x = self.input_norm(x.reshape(-1, shape[-1])).view(shape)
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < last:
                x = F.relu(x)
        return x
