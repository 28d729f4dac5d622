"""STARK's corner predictor: two conv branches + soft-argmax."""
from typing import Optional, Tuple

import torch
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import Tensor, nn

from stark_plugin.registry import MODELS


def soft_argmax(score_map: Tensor, stride: int,
                offset: float = 0.0) -> Tuple[Tensor, Tensor]:
    """Expected (x, y) of the softmax over a score map, in crop pixels.

    Cell ``k`` of the row-major flattened ``(H, W)`` map sits at
    ``((k % W + offset) * stride, (k // W + offset) * stride)``: with the
    default ``offset=0`` the top-left corner of the cell (the official
    STARK-S/ST convention); STARK-Lightning's head uses ``offset=0.5``.

    Args:
        score_map: ``(B, 1, H, W)`` logits.
        stride: feature stride in pixels.
        offset: cell offset added before scaling by the stride.

    Returns:
        ``(exp_x, exp_y)``, each of shape ``(B,)``.
    """
    h, w = score_map.shape[-2:]
    # float32 even under bf16 autocast: the expectation needs the precision
    prob = score_map.float().reshape(-1, h * w).softmax(dim=1)
    idx = torch.arange(h * w, device=score_map.device)
    col = (idx % w).to(prob.dtype)
    row = torch.div(idx, w, rounding_mode='floor').to(prob.dtype)
    if offset:
        col, row = col + offset, row + offset
    coord_x, coord_y = col * stride, row * stride
    return (coord_x * prob).sum(dim=1), (coord_y * prob).sum(dim=1)


@MODELS.register_module()
class CornerPredictorHead(BaseModule):
    """Two 5-layer conv branches predicting top-left / bottom-right maps.

    Each branch is conv3x3-BN-ReLU x4 (``channels``, /2, /4, /8) followed by
    a 1x1 conv to one channel; the corners are the soft-argmax of the maps.

    Args:
        in_channels: channels of the input feature map.
        channels: channels of the first conv block.
        stride: stride of the feature map w.r.t. the search crop; boxes are
            normalised by ``W * stride`` (x) and ``H * stride`` (y).
        norm_cfg: norm of the conv blocks (ordinary BN in STARK).
    """

    def __init__(self,
                 in_channels: int = 256,
                 channels: int = 256,
                 stride: int = 16,
                 norm_cfg: dict = dict(type='BN'),
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.stride = stride
        self.tl_corner_pred = self._branch(in_channels, channels, norm_cfg)
        self.br_corner_pred = self._branch(in_channels, channels, norm_cfg)

    @staticmethod
    def _branch(in_channels: int, channels: int,
                norm_cfg: dict) -> nn.Sequential:
        dims = [in_channels, channels, channels // 2, channels // 4,
                channels // 8]
        layers = [
            ConvModule(
                dims[i],
                dims[i + 1],
                kernel_size=3,
                padding=1,
                bias=True,
                norm_cfg=norm_cfg,
                act_cfg=dict(type='ReLU'),
                inplace=True) for i in range(4)
        ]
        layers.append(nn.Conv2d(dims[4], 1, kernel_size=1))
        return nn.Sequential(*layers)

    def get_score_maps(self, x: Tensor) -> Tuple[Tensor, Tensor]:
        """``(B, 1, H, W)`` logits of the top-left and bottom-right maps."""
        return self.tl_corner_pred(x), self.br_corner_pred(x)

    def decode(self, score_map_tl: Tensor, score_map_br: Tensor) -> Tensor:
        """Soft-argmax of both maps -> ``(B, 4)`` normalised xyxy boxes."""
        h, w = score_map_tl.shape[-2:]
        x_tl, y_tl = soft_argmax(score_map_tl, self.stride)
        x_br, y_br = soft_argmax(score_map_br, self.stride)
        if h == w:  # official: one division of the stacked corners
            return torch.stack((x_tl, y_tl, x_br, y_br),
                               dim=1) / (w * self.stride)
        sx, sy = w * self.stride, h * self.stride
        return torch.stack((x_tl / sx, y_tl / sy, x_br / sx, y_br / sy),
                           dim=1)

    def forward(self, x: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        """Returns ``(boxes_xyxy, score_map_tl, score_map_br)``."""
        score_map_tl, score_map_br = self.get_score_maps(x)
        return self.decode(score_map_tl, score_map_br), score_map_tl, \
            score_map_br
