"""Test-time STARK tracker: the official ``initialize`` / ``track`` logic.

Every test-time convention needed for parity with the official tracker
lives in this module or in :mod:`stark_plugin.structures` and is named:

* cropping, padding and the crop mask: ``structures.crop.sample_target``;
* normalisation: ``StarkDataPreprocessor.normalize`` (RGB input);
* box decode (:func:`decode_pred_box`): the mean over queries of the
  normalised (cx, cy, w, h), scaled by ``search_size / resize_factor``
  in float32 torch arithmetic;
* mapping back (:func:`map_box_back`): around the previous box centre;
* clipping: ``structures.bbox.clip_box(margin=clip_margin)``;
* template update (:meth:`StarkTracker.track_batch`): ``frame_id`` is
  incremented at the start of ``track``; dynamic template ``i`` is replaced
  when ``frame_id % update_intervals[i] == 0 and score > update_score_thr``,
  by a crop of the current frame around the new (clipped) box, used from
  the next frame on. STARK-ST starts with the first template repeated.
"""
import contextlib
import warnings
from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import Tensor

from stark_plugin.structures.bbox import clip_box
from stark_plugin.structures.crop import sample_target
from ..layers.tokens import FeatureTokens


@dataclass
class TemplateEntry:
    """One template: the normalised crop, its mask and (when caching) the
    tokens of the template branch, computed once."""

    img: Tensor  # (1, 3, S, S) normalised
    mask: Tensor  # (1, S, S) bool, True on padding
    tokens: Optional[FeatureTokens] = None


@dataclass
class TrackerState:
    """The state of one tracked target.

    Attributes:
        box: current ``[x, y, w, h]`` in image pixels (python floats).
        frame_id: frames tracked so far (0 after ``init``).
        templates: ``[initial, dynamic_1, ...]`` template entries.
        img_hw: frame size.
        score: last confidence (-1 before the first frame / for STARK-S).
    """

    box: List[float]
    frame_id: int
    templates: List[TemplateEntry]
    img_hw: Tuple[int, int]
    score: float = -1.0
    updated_frames: List[int] = field(default_factory=list)


@contextlib.contextmanager
def torch_threads(num: Optional[int]):
    """Run the block with ``num`` torch intra-op threads (None: unchanged),
    restoring the previous number after it. The setting is process-wide:
    torch work in another Python thread meanwhile runs with it too."""
    before = torch.get_num_threads()
    if num is None or num == before:
        yield
        return
    torch.set_num_threads(num)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def decode_pred_box(pred_boxes: Tensor, search_size: int,
                    resize_factor: float) -> List[float]:
    """Network box ``(Nq, 4)`` normalised (cx, cy, w, h) -> image-scale
    (cx, cy, w, h) relative to the search crop (official float32 ops)."""
    return (pred_boxes.view(-1, 4).mean(dim=0) * search_size /
            resize_factor).tolist()


def map_box_back(pred_box: Sequence[float], prev_box: Sequence[float],
                 search_size: int, resize_factor: float) -> List[float]:
    """Crop-relative (cx, cy, w, h) -> image ``[x, y, w, h]``; the search
    crop is centred on the previous box."""
    cx_prev = prev_box[0] + 0.5 * prev_box[2]
    cy_prev = prev_box[1] + 0.5 * prev_box[3]
    cx, cy, w, h = pred_box
    half_side = 0.5 * search_size / resize_factor
    cx_real = cx + (cx_prev - half_side)
    cy_real = cy + (cy_prev - half_side)
    return [cx_real - 0.5 * w, cy_real - 0.5 * h, w, h]


class StarkTracker:
    """Runs a :class:`Stark` model frame by frame on RGB uint8 frames.

    The state of each target is a :class:`TrackerState`, so one tracker can
    follow several targets; :meth:`track_batch` runs several targets of one
    frame in a single batched forward.

    Template cache: with ``test_cfg.cache_templates`` (default) the template
    branch runs once per template (at ``init`` and on each update) and its
    tokens are reused every frame; with ``cache_templates=False`` it runs
    on every frame from the stored crops (the naive path, same numbers).

    Args:
        model: a :class:`Stark` model, its :func:`prepare_for_inference`
            copy, or any object with the same ``extract_tokens`` /
            ``forward_head`` / ``test_cfg`` interface (the ONNX Runtime
            backend).
        cache_templates: see above (default ``test_cfg.cache_templates``).
        fast: ``torch.inference_mode`` and normalisation in place with
            constant tensors (bit-identical to the naive preprocessing);
            False: ``torch.no_grad`` and the original per-frame ops.
        autocast_dtype: run the network under ``torch.autocast`` with this
            dtype (``torch.bfloat16``); outputs are decoded in float32.
    """

    def __init__(self, model, cache_templates: Optional[bool] = None,
                 fast: bool = True,
                 autocast_dtype: Optional[torch.dtype] = None) -> None:
        self.model = model
        self.fast = fast
        self.autocast_dtype = autocast_dtype
        cfg = model.test_cfg
        self.template_factor = float(cfg['template_factor'])
        self.template_size = int(cfg['template_size'])
        self.search_factor = float(cfg['search_factor'])
        self.search_size = int(cfg['search_size'])
        self.update_intervals = list(cfg['update_intervals']) \
            if model.with_score_head else []
        self.update_score_thr = float(cfg['update_score_thr'])
        self.clip_margin = cfg['clip_margin']
        self.cache_templates = cfg['cache_templates'] \
            if cache_templates is None else cache_templates

        dev = getattr(model, 'device', None)
        self._device = torch.device(dev) if dev is not None else \
            next(model.parameters()).device
        # a model run outside torch (ONNX Runtime) may ask for the crop
        # to stay on the calling thread (see OnnxStarkModel)
        self.preprocess_threads = getattr(model, 'preprocess_threads', None)
        pre = model.data_preprocessor
        self._mean = pre.mean.to(self._device)
        self._std = pre.std.to(self._device)

    @property
    def device(self) -> torch.device:
        return self._device

    def _grad_mode(self):
        return torch.inference_mode() if self.fast else torch.no_grad()

    def _autocast(self):
        if self.autocast_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self._device.type, dtype=self.autocast_dtype)

    def extract_tokens(self, img: Tensor, mask: Tensor) -> FeatureTokens:
        """Template/search branch of the network (under autocast)."""
        with self._autocast():
            return self.model.extract_tokens(img, mask)

    # -- preprocessing ---------------------------------------------------
    def crop(self, frame_rgb: np.ndarray, box: Sequence[float],
             factor: float, size: int) -> Tuple[Tensor, Tensor, float]:
        """Crop + normalise: ``(img (1,3,S,S), mask (1,S,S), resize)``."""
        with torch_threads(self.preprocess_threads):
            return self._crop(frame_rgb, box, factor, size)

    def _crop(self, frame_rgb: np.ndarray, box: Sequence[float],
              factor: float, size: int) -> Tuple[Tensor, Tensor, float]:
        patch, resize_factor, mask = sample_target(frame_rgb, box, factor,
                                                   size)
        if not self.fast:  # the original per-frame preprocessing
            img = torch.from_numpy(np.ascontiguousarray(patch)).to(
                self.device).permute(2, 0, 1)[None]
            img = self.model.data_preprocessor.normalize(img)
            mask = torch.from_numpy(mask).to(self.device)[None]
            return img, mask, resize_factor
        # same ops and order as ``normalize`` (bit-identical), in place on
        # one float buffer in the network's (1, 3, S, S) layout
        img = torch.from_numpy(patch).to(self.device, non_blocking=True)
        img = img.permute(2, 0, 1)[None].float().contiguous()
        img.div_(255.0).sub_(self._mean).div_(self._std)
        mask = torch.from_numpy(mask).to(self.device, non_blocking=True)
        return img, mask[None], resize_factor

    def _make_template(self, frame_rgb: np.ndarray,
                       box: Sequence[float]) -> TemplateEntry:
        img, mask, _ = self.crop(frame_rgb, box, self.template_factor,
                                 self.template_size)
        entry = TemplateEntry(img=img, mask=mask)
        if self.cache_templates:
            entry.tokens = self.extract_tokens(img, mask)
        return entry

    def template_tokens(self, entry: TemplateEntry) -> FeatureTokens:
        """Cached tokens of a template, or a fresh template-branch run."""
        if entry.tokens is not None:
            return entry.tokens
        return self.extract_tokens(entry.img, entry.mask)

    # -- tracking --------------------------------------------------------
    @staticmethod
    def _check_frame(frame: np.ndarray) -> None:
        if not (isinstance(frame, np.ndarray) and frame.ndim == 3
                and frame.shape[2] == 3 and frame.dtype == np.uint8):
            raise TypeError('expected an (H, W, 3) uint8 frame, got '
                            f'{type(frame).__name__} '
                            f'{getattr(frame, "shape", None)} '
                            f'{getattr(frame, "dtype", None)}')

    def init(self, frame_rgb: np.ndarray,
             box_xywh: Sequence[float]) -> TrackerState:
        """Template crop of the first frame (repeated for each dynamic
        template of STARK-ST)."""
        with self._grad_mode():
            return self._init(frame_rgb, box_xywh)

    def _init(self, frame_rgb: np.ndarray,
              box_xywh: Sequence[float]) -> TrackerState:
        self._check_frame(frame_rgb)
        box = [float(v) for v in box_xywh]
        if len(box) != 4 or box[2] <= 0 or box[3] <= 0:
            raise ValueError(f'init box must be [x, y, w, h] with w, h > 0, '
                             f'got {list(box_xywh)}')
        if getattr(self.model, 'training', False):
            warnings.warn('StarkTracker: the model is in training mode '
                          '(dropout active); call model.eval()')
        first = self._make_template(frame_rgb, box)
        templates = [first] * (1 + len(self.update_intervals))
        return TrackerState(
            box=box, frame_id=0, templates=templates,
            img_hw=tuple(frame_rgb.shape[:2]))

    def track(self, frame_rgb: np.ndarray, state: TrackerState) -> dict:
        """One frame for one target; updates ``state`` in place.

        Returns ``dict(box=[x, y, w, h], score=float, pred_box_norm=[cx, cy,
        w, h] (network output), updated=bool)``; ``score`` is -1.0 for
        STARK-S (no score head).
        """
        return self.track_batch(frame_rgb, [state])[0]

    def track_batch(self, frame_rgb: np.ndarray,
                    states: Sequence[TrackerState]) -> List[dict]:
        """One frame for several targets in one batched forward (each
        target with its own templates, frame count and update rule)."""
        with self._grad_mode():
            return self._track_batch(frame_rgb, states)

    def _track_batch(self, frame_rgb: np.ndarray,
                     states: Sequence[TrackerState]) -> List[dict]:
        self._check_frame(frame_rgb)
        if not states:
            return []
        img_h, img_w = frame_rgb.shape[:2]
        crops = []
        for state in states:
            state.frame_id += 1
            crops.append(
                self.crop(frame_rgb, state.box, self.search_factor,
                          self.search_size))
        if len(crops) == 1:
            search = self.extract_tokens(crops[0][0], crops[0][1])
        else:
            search = self.extract_tokens(
                torch.cat([c[0] for c in crops]),
                torch.cat([c[1] for c in crops]))
        num_templates = len(states[0].templates)
        templates = [
            FeatureTokens.stack_batch(
                [self.template_tokens(s.templates[t]) for s in states])
            for t in range(num_templates)
        ]
        with self._autocast():
            outs = self.model.forward_head(
                templates, search, run_box_head=True, run_cls_head=True)
        outs = {k: v.float() for k, v in outs.items()
                if k in ('pred_boxes', 'pred_logits')}
        pred_boxes = outs['pred_boxes'].cpu()
        logits = outs['pred_logits'].cpu() if 'pred_logits' in outs \
            else None

        results = []
        for i, state in enumerate(states):
            resize_factor = crops[i][2]
            pred_box = decode_pred_box(pred_boxes[i],
                                       self.search_size, resize_factor)
            state.box = list(
                clip_box(
                    map_box_back(pred_box, state.box, self.search_size,
                                 resize_factor),
                    img_h, img_w, margin=self.clip_margin))
            if logits is not None:
                score = logits[i].view(-1).sigmoid().mean()
                state.score = float(score.item())
            updated = self._maybe_update(frame_rgb, state)
            results.append(
                dict(
                    box=list(state.box),
                    score=state.score,
                    pred_box_norm=pred_boxes[i].view(
                        -1, 4).mean(dim=0).tolist(),
                    updated=updated))
        return results

    def _maybe_update(self, frame_rgb: np.ndarray,
                      state: TrackerState) -> bool:
        updated = False
        for idx, interval in enumerate(self.update_intervals):
            if state.frame_id % interval == 0 and \
                    state.score > self.update_score_thr:
                state.templates[idx + 1] = self._make_template(
                    frame_rgb, state.box)
                updated = True
        if updated:
            state.updated_frames.append(state.frame_id)
        return updated
