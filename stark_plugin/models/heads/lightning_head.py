"""STARK-Lightning head: lite encoder + RepVGG corner head + box losses."""
from typing import Dict, Optional, Tuple

import torch
from mmengine.model import BaseModule
from torch import Tensor, nn

from stark_plugin.registry import MODELS
from stark_plugin.structures.bbox import xyxy_to_cxcywh
from ..backbones.repvgg import RepVGGBlock
from ..layers.tokens import FeatureTokens
from .corner_head import soft_argmax
from .stark_head import StarkHead


@MODELS.register_module()
class CornerLiteRepHead(BaseModule):
    """Corner head ``CORNER_LITE_REP_v2``: one shared conv tower for both
    corners (two RepVGG blocks, then a 3x3 conv to 2 channels: channel 0 the
    top-left map, channel 1 the bottom-right map) and a soft-argmax with a
    half-cell offset: cell ``(i, j)`` sits at ``((j + 0.5) * stride,
    (i + 0.5) * stride)``.

    Args:
        in_channels: input channels (128).
        channels: channels of the RepVGG blocks (128).
        stride: feature stride; boxes are normalised by ``W * stride``.
        norm: norm of the RepVGG blocks (``'BN'``, as official).
        cell_offset: 0.5 (official); 0 gives the STARK-S/ST convention.
        deploy: build the RepVGG blocks reparameterised (for a converted
            reparameterised state dict).
    """

    def __init__(self,
                 in_channels: int = 128,
                 channels: int = 128,
                 stride: int = 16,
                 norm: str = 'BN',
                 cell_offset: float = 0.5,
                 deploy: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.stride = stride
        self.cell_offset = cell_offset
        self.conv_tower = nn.Sequential(
            RepVGGBlock(in_channels, channels, 1, norm, deploy),
            RepVGGBlock(channels, channels, 1, norm, deploy),
            nn.Conv2d(channels, 2, kernel_size=3, padding=1))

    def get_score_maps(self, x: Tensor) -> Tuple[Tensor, Tensor]:
        """``(B, 1, H, W)`` logits of the top-left and bottom-right maps."""
        maps = self.conv_tower(x)
        return maps[:, 0:1], maps[:, 1:2]

    def decode(self, score_map_tl: Tensor, score_map_br: Tensor) -> Tensor:
        """Soft-argmax of both maps -> ``(B, 4)`` normalised xyxy."""
        h, w = score_map_tl.shape[-2:]
        if h != w:
            raise ValueError(f'square score maps expected, got {(h, w)}')
        x_tl, y_tl = soft_argmax(score_map_tl, self.stride, self.cell_offset)
        x_br, y_br = soft_argmax(score_map_br, self.stride, self.cell_offset)
        return torch.stack((x_tl, y_tl, x_br, y_br),
                           dim=1) / (w * self.stride)

    def forward(self, x: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        """Returns ``(boxes_xyxy, score_map_tl, score_map_br)``."""
        score_map_tl, score_map_br = self.get_score_maps(x)
        return self.decode(score_map_tl, score_map_br), score_map_tl, \
            score_map_br


@MODELS.register_module()
class StarkLightningHead(BaseModule):
    """Encoder and box head of STARK-Lightning, with the stage-1 losses.

    Takes the same :class:`FeatureTokens` as :class:`StarkHead`
    (``[template, search]``); the encoder output (search tokens only) is
    reshaped row-major to ``(B, C, H, W)`` for the corner head. No query,
    no decoder, no score head.

    Args:
        encoder: :class:`LiteEncoder` config.
        bbox_head: :class:`CornerLiteRepHead` config.
        loss_bbox: L1 loss on normalised xyxy boxes (weight 5).
        loss_iou: GIoU loss (weight 2).
    """

    with_cls_head = False

    def __init__(self,
                 encoder: dict,
                 bbox_head: dict,
                 loss_bbox: dict = dict(type='mmdet.L1Loss', loss_weight=5.0),
                 loss_iou: dict = dict(
                     type='mmdet.GIoULoss', loss_weight=2.0),
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.encoder = MODELS.build(encoder)
        self.embed_dims = self.encoder.embed_dims
        self.bbox_head = MODELS.build(bbox_head)
        self.loss_bbox = MODELS.build(loss_bbox)
        self.loss_iou = MODELS.build(loss_iou)

    @staticmethod
    def head_input(memory: Tensor, hw: Tuple[int, int]) -> Tensor:
        """Search tokens ``(B, HW, C)`` -> ``(B, C, H, W)``, row-major."""
        return memory.transpose(1, 2).reshape(memory.shape[0],
                                              memory.shape[2], *hw)

    def forward_encoder(self, tokens: FeatureTokens,
                        return_intermediate: bool = False
                        ) -> Dict[str, Tensor]:
        """The lite encoder on ``tokens``: ``memory`` ``(B, HW, C)`` (the
        search tokens) and, with ``return_intermediate``, its
        intermediates."""
        return self.encoder(tokens, return_intermediate=return_intermediate)

    def forward_box_head(self, memory: Tensor,
                         hw: Tuple[int, int]) -> Dict[str, Tensor]:
        """Corner head on the encoder's search tokens: ``head_in``
        ``(B, C, H, W)``, ``pred_boxes`` ``(B, 1, 4)`` (cx, cy, w, h
        normalised to the search crop), ``score_map_tl`` /
        ``score_map_br`` ``(B, 1, H, W)``."""
        head_in = self.head_input(memory, hw)
        boxes_xyxy, map_tl, map_br = self.bbox_head(head_in)
        return dict(
            head_in=head_in,
            pred_boxes=xyxy_to_cxcywh(boxes_xyxy).unsqueeze(1),
            score_map_tl=map_tl,
            score_map_br=map_br)

    def forward(self,
                tokens: FeatureTokens,
                run_box_head: bool = True,
                run_cls_head: bool = True,
                return_intermediate: bool = False) -> Dict[str, Tensor]:
        """:meth:`forward_encoder`, then (with ``run_box_head``)
        :meth:`forward_box_head`. ``run_cls_head`` is ignored (there is no
        score head)."""
        out = self.forward_encoder(tokens, return_intermediate)
        if run_box_head:
            out.update(self.forward_box_head(out['memory'], tokens.hw))
        return out

    def loss(self, tokens: FeatureTokens,
             gt_bboxes_xywh: Optional[Tensor] = None,
             gt_labels: Optional[Tensor] = None) -> Dict[str, Tensor]:
        """L1 + GIoU losses of the official Lightning actor (the same as
        STARK-S: :meth:`StarkHead.loss_by_feat`)."""
        if gt_bboxes_xywh is None:
            raise ValueError('STARK-Lightning trains the box head only: '
                             'gt_bboxes_xywh is required')
        outs = self(tokens, run_box_head=True)
        return StarkHead.loss_by_feat(self, outs, gt_bboxes_xywh, None)

    def predict(self, tokens: FeatureTokens) -> Dict[str, Tensor]:
        """``pred_boxes`` ``(B, 4)`` and ``pred_scores`` (-1: no score
        head)."""
        boxes = self(tokens)['pred_boxes'].mean(dim=1)
        return dict(
            pred_boxes=boxes,
            pred_scores=boxes.new_full((boxes.shape[0], ), -1.0))
