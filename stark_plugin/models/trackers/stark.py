"""The STARK model: backbone + neck + positional encoding + head."""
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from torch import Tensor, nn
from torch.nn.modules.batchnorm import _BatchNorm

from stark_plugin.registry import MODELS
from stark_plugin.structures import SOTDataSample
from ..layers.tokens import FeatureTokens
from .stark_tracker import StarkTracker

#: default modules frozen in each training stage (official STARK: stage 2
#: trains only the score head; stage 1 never uses the score head).
DEFAULT_FROZEN = {
    'st1': ['head.cls_head'],
    's': [],
    'st2': ['backbone', 'neck', 'head.transformer', 'head.query_embedding',
            'head.bbox_head'],
}

#: default test-time settings (the official STARK parameters).
DEFAULT_TEST_CFG = dict(
    template_factor=2.0,
    template_size=128,
    search_factor=5.0,
    search_size=320,
    update_intervals=[200],
    update_score_thr=0.5,
    clip_margin=10,
    cache_templates=True)


@MODELS.register_module()
class Stark(BaseModel):
    """STARK (Yan et al., ICCV 2021): STARK-ST when the head has a score
    head, STARK-S otherwise; STARK-Lightning with a :class:`RepVGG`
    backbone, :class:`SizedPositionalEncoding` and
    :class:`StarkLightningHead` (``configs/_base_/models/
    stark_lightning_x_trt.py``).

    The template/search branch is :meth:`extract_tokens` (backbone -> neck
    -> feature mask -> sine positional encoding -> flattened tokens); the
    transformer and heads run in :meth:`forward_head` on the concatenation
    ``[template_1, ..., template_T, search]``.

    Args:
        backbone: config of the backbone (``mmdet.ResNet`` up to layer3).
        neck: config of the 1x1 channel reduction (``mmdet.ChannelMapper``).
        positional_encoding: ``mmdet.SinePositionalEncoding`` config.
        head: :class:`StarkHead` config.
        data_preprocessor: :class:`StarkDataPreprocessor` config.
        train_cfg: ``stage`` ('st1', 'st2' or 's'), optional
            ``frozen_modules`` (dotted names, default per stage: stage 2
            freezes everything but ``head.cls_head``) and ``frozen_eval``
            (keep frozen modules in eval mode; default False, as the
            official code, whose frozen transformer keeps its dropout
            active while stage 2 trains the score head; BatchNorm layers
            of frozen modules are in eval mode either way, see
            :meth:`train`).
        test_cfg: tracker settings, see ``DEFAULT_TEST_CFG``.
    """

    def __init__(self,
                 backbone: dict,
                 neck: Optional[dict],
                 positional_encoding: dict,
                 head: dict,
                 data_preprocessor: Union[dict, nn.Module, None] = None,
                 train_cfg: Optional[dict] = None,
                 test_cfg: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(type='StarkDataPreprocessor')
        if isinstance(data_preprocessor, dict):
            data_preprocessor = MODELS.build(data_preprocessor)
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        self.neck = MODELS.build(neck) if neck else None
        self.positional_encoding = MODELS.build(positional_encoding)
        self.head = MODELS.build(head)

        self.test_cfg = dict(DEFAULT_TEST_CFG)
        self.test_cfg.update(test_cfg or {})
        self.train_cfg = dict(train_cfg or {})
        default_stage = 'st1' if self.head.with_cls_head else 's'
        self.stage = self.train_cfg.get('stage', default_stage)
        if self.stage not in DEFAULT_FROZEN:
            raise ValueError(f'train_cfg.stage must be one of '
                             f'{sorted(DEFAULT_FROZEN)}, got {self.stage!r}')
        if self.stage == 'st2' and not self.head.with_cls_head:
            raise ValueError('train_cfg.stage="st2" needs a score head '
                             '(head.cls_head)')
        frozen = self.train_cfg.get('frozen_modules',
                                    DEFAULT_FROZEN[self.stage])
        self.frozen_modules: List[str] = [
            name for name in frozen if self._get_module(name) is not None
        ]
        self.frozen_eval = self.train_cfg.get('frozen_eval', False)
        self._freeze()
        self._tracker = None
        self._track_state = None
        #: eval-only: reuse the positional encoding of mask-free crops
        #: (set by ``prepare_for_inference``)
        self.fast_inference = False
        self._pos_cache: Dict[tuple, Tensor] = {}

    # ------------------------------------------------------------------
    # freezing
    def _get_module(self, name: str) -> Optional[nn.Module]:
        module = self
        for part in name.split('.'):
            module = getattr(module, part, None)
            if module is None:
                return None
        return module

    def _freeze(self) -> None:
        for name in self.frozen_modules:
            module = self._get_module(name)
            for param in module.parameters():
                param.requires_grad = False

    def train(self, mode: bool = True) -> 'Stark':
        """Train mode as the official code sets it (``net.train()``), with
        the frozen modules' BatchNorm layers in eval mode: their running
        statistics are frozen state too. The official networks have no
        BatchNorm that runs in a frozen part (FrozenBN backbone; stage 2
        does not run the corner head), so this changes nothing there; it
        keeps models with ordinary BatchNorm (the tiny configs) from
        drifting. With ``frozen_eval`` the frozen modules are in eval mode
        altogether (no dropout either)."""
        super().train(mode)
        if not mode:
            return self
        for name in self.frozen_modules:
            module = self._get_module(name)
            if self.frozen_eval:
                module.eval()
                continue
            for m in module.modules():
                if isinstance(m, _BatchNorm):
                    m.eval()
        return self

    # ------------------------------------------------------------------
    # network
    @property
    def with_score_head(self) -> bool:
        return self.head.with_cls_head

    @property
    def num_templates(self) -> int:
        """Templates per forward at test time: 1 + one per update interval
        for STARK-ST, 1 for STARK-S."""
        if not self.with_score_head:
            return 1
        return 1 + len(self.test_cfg['update_intervals'])

    def extract_tokens(self, img: Tensor, mask: Tensor) -> FeatureTokens:
        """The template/search branch.

        Args:
            img: ``(B, 3, H, W)`` normalised crops.
            mask: ``(B, H, W)`` bool, True on padding.
        """
        feat = self.backbone(img)[-1]
        if self.neck is not None:
            feat = self.neck((feat, ))[0]
        hw = tuple(feat.shape[-2:])
        # nearest downsampling: feature cell (i, j) takes pixel
        # (i * stride, j * stride) of the crop mask
        feat_mask = F.interpolate(
            mask[None].float(), size=hw).to(torch.bool)[0]
        return FeatureTokens(
            feat=feat.flatten(2).transpose(1, 2),
            mask=feat_mask.flatten(1),
            pos=self._pos_tokens(feat_mask).to(feat.dtype),
            hw=hw)

    def _pos_tokens(self, feat_mask: Tensor) -> Tensor:
        """``(B, H*W, C)`` sine positional encoding of a feature mask; in
        the fast eval path the mask-free encoding of each size is cached."""
        cacheable = self.fast_inference and not self.training and \
            not bool(feat_mask.any())
        key = (tuple(feat_mask.shape[-2:]), feat_mask.device)
        if cacheable and key in self._pos_cache:
            return self._pos_cache[key].expand(feat_mask.shape[0], -1, -1)
        pos = self.positional_encoding(feat_mask).flatten(2).transpose(1, 2)
        if cacheable:
            self._pos_cache[key] = pos[:1].clone()
        return pos

    def forward_head(self,
                     templates: Sequence[FeatureTokens],
                     search: FeatureTokens,
                     run_box_head: bool = True,
                     run_cls_head: bool = True) -> Dict[str, Tensor]:
        """Transformer + heads on ``[*templates, search]`` tokens."""
        tokens = FeatureTokens.cat(list(templates) + [search])
        return self.head(
            tokens, run_box_head=run_box_head, run_cls_head=run_cls_head)

    # ------------------------------------------------------------------
    # BaseModel interface
    def forward(self,
                inputs: Dict[str, Tensor],
                data_samples: Optional[list] = None,
                mode: str = 'tensor'):
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self._forward(inputs, data_samples)
        raise RuntimeError(f'Invalid mode "{mode}"; only "loss", "predict" '
                           f'and "tensor" are supported')

    def _forward(self, inputs: Dict[str, Tensor],
                 data_samples: Optional[list] = None) -> Dict[str, Tensor]:
        return self.head(self._pair_tokens(inputs))

    def _pair_tokens(self, inputs: Dict[str, Tensor]) -> FeatureTokens:
        """Tokens ``[template_1, ..., template_T, search]`` of a batch."""
        template, template_mask = inputs['template'], inputs['template_mask']
        search, search_mask = inputs['search'], inputs['search_mask']
        if search.dim() == 5:
            search, search_mask = search[:, -1], search_mask[:, -1]
        parts = [
            self.extract_tokens(template[:, t], template_mask[:, t])
            for t in range(template.shape[1])
        ]
        parts.append(self.extract_tokens(search, search_mask))
        return FeatureTokens.cat(parts)

    def loss(self, inputs: Dict[str, Tensor],
             data_samples: list) -> Dict[str, Tensor]:
        """Stage 1 / STARK-S: ``loss_bbox`` + ``loss_iou``; stage 2:
        ``loss_cls``."""
        tokens = self._pair_tokens(inputs)
        device = tokens.feat.device
        if self.stage == 'st2':
            gt_labels = torch.stack([
                torch.as_tensor(s.gt_label).reshape(1) for s in data_samples
            ]).to(device)
            return self.head.loss(tokens, gt_labels=gt_labels)
        gt_bboxes = torch.stack([
            torch.as_tensor(s.search_bbox).reshape(4) for s in data_samples
        ]).to(device)
        return self.head.loss(tokens, gt_bboxes_xywh=gt_bboxes)

    def predict(self, inputs: Dict[str, Tensor],
                data_samples: Optional[list] = None) -> list:
        """Boxes (``pred_bbox``: cx, cy, w, h normalised to the search crop)
        and scores (``pred_score``, sigmoid; -1 without score head) for
        template/search pairs."""
        preds = self.head.predict(self._pair_tokens(inputs))
        boxes, scores = preds['pred_boxes'], preds['pred_scores']
        if data_samples is None:
            data_samples = [SOTDataSample() for _ in range(boxes.shape[0])]
        for sample, box, score in zip(data_samples, boxes, scores):
            sample.pred_bbox = box
            sample.pred_score = score
        return data_samples

    # ------------------------------------------------------------------
    # test-time tracking (single target, RGB frames)
    def init(self, frame_rgb: np.ndarray, box_xywh: Sequence[float]) -> None:
        """Start tracking one target in an RGB uint8 frame (official
        ``initialize``). For BGR frames use ``apis.SOTInferencer``."""
        if self._tracker is None:
            self._tracker = StarkTracker(self)
        self._track_state = self._tracker.init(frame_rgb, box_xywh)

    def track(self, frame_rgb: np.ndarray) -> dict:
        """Track the target into the next RGB frame: ``dict(box, score)``."""
        if self._track_state is None:
            raise RuntimeError('call Stark.init(frame, box) before track()')
        return self._tracker.track(frame_rgb, self._track_state)
