"""STARK head: transformer + corner box head + optional score head."""
from typing import Dict, Optional, Tuple

import torch
from mmdet.structures.bbox import bbox_overlaps
from mmengine.model import BaseModule
from torch import Tensor, nn

from stark_plugin.registry import MODELS
from stark_plugin.structures.bbox import (cxcywh_to_xyxy, xywh_to_xyxy,
                                          xyxy_to_cxcywh)
from ..layers.tokens import FeatureTokens


@MODELS.register_module()
class StarkHead(BaseModule):
    """Transformer, box head and score head of STARK, with losses.

    Box-head input (the paper's "similarity weighting"): the search part of
    the encoder memory (the last ``H * W`` tokens), each token multiplied by
    its plain dot product with the decoder output (no softmax, no scaling),
    reshaped row-major to ``(C, H, W)``.

    Args:
        transformer: config of :class:`StarkTransformer`.
        bbox_head: config of :class:`CornerPredictorHead`.
        cls_head: config of :class:`ScoreHead`; None for STARK-S.
        num_query: number of learned queries (1).
        loss_bbox: L1 loss on normalised xyxy boxes (stage 1).
        loss_iou: GIoU loss on normalised xyxy boxes (stage 1).
        loss_cls: sigmoid BCE on the score logit (stage 2).
    """

    def __init__(self,
                 transformer: dict,
                 bbox_head: dict,
                 cls_head: Optional[dict] = None,
                 num_query: int = 1,
                 loss_bbox: dict = dict(type='mmdet.L1Loss', loss_weight=5.0),
                 loss_iou: dict = dict(
                     type='mmdet.GIoULoss', loss_weight=2.0),
                 loss_cls: dict = dict(
                     type='mmdet.CrossEntropyLoss',
                     use_sigmoid=True,
                     loss_weight=1.0),
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.transformer = MODELS.build(transformer)
        self.embed_dims = self.transformer.embed_dims
        self.num_query = num_query
        self.query_embedding = nn.Embedding(num_query, self.embed_dims)
        self.bbox_head = MODELS.build(bbox_head)
        self.cls_head = MODELS.build(cls_head) if cls_head else None
        self.loss_bbox = MODELS.build(loss_bbox)
        self.loss_iou = MODELS.build(loss_iou)
        self.loss_cls = MODELS.build(loss_cls)

    @property
    def with_cls_head(self) -> bool:
        return self.cls_head is not None

    def box_head_input(self, hs: Tensor, memory: Tensor,
                       hw) -> Tensor:
        """``(B * Nq, C, H, W)`` similarity-weighted search features."""
        h, w = hw
        enc = memory[:, -h * w:]  # (B, HW, C): search tokens
        dec = hs[-1].transpose(1, 2)  # (B, C, Nq)
        att = torch.matmul(enc, dec)  # (B, HW, Nq)
        opt = (enc.unsqueeze(-1) * att.unsqueeze(-2)).permute(
            0, 3, 2, 1).contiguous()  # (B, Nq, C, HW)
        bs, nq, c, _ = opt.shape
        return opt.view(bs * nq, c, h, w)

    def forward_transformer(self,
                            tokens: FeatureTokens) -> Tuple[Tensor, Tensor]:
        """Encoder-decoder on ``tokens``: ``hs`` ``(1, B, Nq, C)`` and
        ``memory`` ``(B, L, C)``."""
        return self.transformer(tokens.feat, tokens.mask, tokens.pos,
                                self.query_embedding.weight)

    def forward_box_head(self, hs: Tensor, memory: Tensor,
                         hw: Tuple[int, int]) -> Dict[str, Tensor]:
        """Corner box head on the similarity-weighted search features:
        ``pred_boxes`` ``(B, Nq, 4)`` (cx, cy, w, h normalised to the search
        crop), ``score_map_tl`` / ``score_map_br`` ``(B * Nq, 1, H, W)``."""
        boxes_xyxy, map_tl, map_br = self.bbox_head(
            self.box_head_input(hs, memory, hw))
        return dict(
            pred_boxes=xyxy_to_cxcywh(boxes_xyxy).view(
                hs.shape[1], hs.shape[2], 4),
            score_map_tl=map_tl,
            score_map_br=map_br)

    def forward_score_head(self, hs: Tensor) -> Tensor:
        """Score logit ``(B, Nq, 1)`` of the last decoder output."""
        return self.cls_head(hs)[-1]

    def forward_heads(self, hs: Tensor, memory: Tensor, hw: Tuple[int, int],
                      run_box_head: bool = True,
                      run_cls_head: bool = True) -> Dict[str, Tensor]:
        """The requested heads on the transformer's outputs:
        ``pred_logits`` (with a score head and ``run_cls_head``) and the
        outputs of :meth:`forward_box_head` (with ``run_box_head``)."""
        out = {}
        if run_cls_head and self.cls_head is not None:
            out['pred_logits'] = self.forward_score_head(hs)
        if run_box_head:
            out.update(self.forward_box_head(hs, memory, hw))
        return out

    def forward(self,
                tokens: FeatureTokens,
                run_box_head: bool = True,
                run_cls_head: bool = True) -> Dict[str, Tensor]:
        """:meth:`forward_transformer`, then :meth:`forward_heads`.

        Returns a dict with ``hs`` ``(1, B, Nq, C)``, ``memory``
        ``(B, L, C)`` and, as requested, ``pred_logits`` ``(B, Nq, 1)``,
        ``pred_boxes`` ``(B, Nq, 4)`` (cx, cy, w, h normalised to the search
        crop), ``score_map_tl`` / ``score_map_br`` ``(B * Nq, 1, H, W)``.
        """
        hs, memory = self.forward_transformer(tokens)
        out = dict(hs=hs, memory=memory)
        out.update(self.forward_heads(hs, memory, tokens.hw, run_box_head,
                                      run_cls_head))
        return out

    def loss(self,
             tokens: FeatureTokens,
             gt_bboxes_xywh: Optional[Tensor] = None,
             gt_labels: Optional[Tensor] = None) -> Dict[str, Tensor]:
        """Forward + losses. With ``gt_bboxes_xywh`` (stage 1 / STARK-S)
        the box head runs; with ``gt_labels`` (stage 2) the score head."""
        outs = self(
            tokens,
            run_box_head=gt_bboxes_xywh is not None,
            run_cls_head=gt_labels is not None)
        return self.loss_by_feat(outs, gt_bboxes_xywh, gt_labels)

    def predict(self, tokens: FeatureTokens) -> Dict[str, Tensor]:
        """``pred_boxes`` ``(B, 4)`` (cx, cy, w, h normalised to the search
        crop, mean over queries) and ``pred_scores`` ``(B,)`` (sigmoid; -1
        without score head)."""
        outs = self(tokens, run_box_head=True, run_cls_head=True)
        boxes = outs['pred_boxes'].mean(dim=1)
        if 'pred_logits' in outs:
            scores = outs['pred_logits'].sigmoid().flatten(1).mean(dim=1)
        else:
            scores = boxes.new_full((boxes.shape[0], ), -1.0)
        return dict(pred_boxes=boxes, pred_scores=scores)

    def loss_by_feat(self, outs: Dict[str, Tensor],
                     gt_bboxes_xywh: Optional[Tensor] = None,
                     gt_labels: Optional[Tensor] = None) -> Dict[str, Tensor]:
        """Losses of the official STARK actors.

        Stage 1 (``pred_boxes`` present): L1 + GIoU between the predicted
        xyxy boxes and the ground truth (normalised ``xywh`` of the search
        crop, converted to xyxy and clamped to [0, 1]). As in the official
        code the GIoU term is zero for a batch holding a degenerate
        predicted box (x2 < x1 or y2 < y1), where the official GIoU asserts.
        ``iou`` (the mean IoU, logged only, not a loss) is 0 then too, as
        the official actor reports it.

        Stage 2 (``pred_logits`` present): sigmoid BCE against ``gt_labels``.
        """
        losses = {}
        if 'pred_boxes' in outs:
            pred = cxcywh_to_xyxy(outs['pred_boxes']).reshape(-1, 4)
            nq = outs['pred_boxes'].shape[1]
            gt = xywh_to_xyxy(gt_bboxes_xywh.to(pred.dtype))
            gt = gt[:, None, :].repeat(1, nq, 1).view(-1, 4).clamp(0.0, 1.0)
            losses['loss_bbox'] = self.loss_bbox(pred, gt)
            degenerate = (pred[:, 2:] < pred[:, :2]).any()
            if degenerate:
                losses['loss_iou'] = pred.sum() * 0.0
                losses['iou'] = pred.new_zeros(())
            else:
                losses['loss_iou'] = self.loss_iou(pred, gt)
                losses['iou'] = bbox_overlaps(
                    pred.detach(), gt, is_aligned=True).mean()
        if 'pred_logits' in outs:
            logits = outs['pred_logits'].reshape(-1, 1)
            labels = gt_labels.reshape(-1, 1).to(logits.dtype)
            labels = labels.repeat_interleave(
                logits.shape[0] // labels.shape[0], dim=0)
            losses['loss_cls'] = self.loss_cls(logits, labels)
        return losses
