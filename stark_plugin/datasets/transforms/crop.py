"""Box jitter, STARK cropping and the padding-mask validity check."""
from typing import List, Optional, Tuple

import numpy as np
import torch
from mmcv.transforms import BaseTransform

from stark_plugin.registry import TRANSFORMS
from stark_plugin.structures.crop import (crop_window, map_box_to_crop,
                                          sample_target)


def _split(results: dict):
    """(template indices, search indices) of a sample."""
    n = len(results['gt_bboxes'])
    t = results.get('num_templates', n - 1)
    return list(range(t)), list(range(t, n))


def jitter_box(box: np.ndarray, center_jitter: float, scale_jitter: float,
               randn: Optional[np.ndarray] = None,
               rand: Optional[np.ndarray] = None) -> np.ndarray:
    """Official ``_get_jittered_box``: the size is scaled by
    ``exp(randn * scale_jitter)`` per side and the centre moved by
    ``sqrt(w' * h') * center_jitter * (rand - 0.5)`` per axis.

    ``randn`` (standard normal) and ``rand`` (uniform [0, 1)) are the two
    draws of two numbers each; drawn from numpy's global generator when not
    given. The arithmetic is float32 torch, operation by operation as in the
    official code, so given the same draws the jittered box is the official
    one bit for bit (it decides the crop size and corner).
    """
    if randn is None:
        randn = np.random.randn(2)
    if rand is None:
        rand = np.random.rand(2)
    box_t = torch.as_tensor(np.asarray(box), dtype=torch.float32)
    randn_t = torch.as_tensor(np.asarray(randn), dtype=torch.float32)
    rand_t = torch.as_tensor(np.asarray(rand), dtype=torch.float32)
    size = box_t[2:4] * torch.exp(randn_t * scale_jitter)
    max_offset = size.prod().sqrt() * torch.tensor(center_jitter).float()
    centre = box_t[0:2] + 0.5 * box_t[2:4] + max_offset * (rand_t - 0.5)
    return torch.cat((centre - 0.5 * size, size)).numpy()


def crop_too_small(box: np.ndarray, factor: float) -> bool:
    """Official validity rule 1: ``ceil(sqrt(w * h) * factor) < 1`` in
    float32 (a box without area cannot be cropped)."""
    box_t = torch.as_tensor(np.asarray(box), dtype=torch.float32)
    return bool(torch.ceil(torch.sqrt(box_t[2] * box_t[3]) * factor) < 1)


@TRANSFORMS.register_module()
class SeqBboxJitter(BaseTransform):
    """Jitter the box each crop is centred on (``jittered_bboxes``,
    float32 ``(N, 4)``).

    Templates use ``template_center``/``template_scale`` (STARK: 0, 0) and
    search frames ``search_center``/``search_scale`` (4.5, 0.5). A sample
    with a box that is not finite or has a negative side (bad annotation)
    is rejected (None); boxes without area are rejected by
    :class:`SeqCropLikeStark` (official rule 1).

    Draws come from numpy's global generator. A caller that must replay
    given draws (the training-parity check replays the official ones) puts
    ``jitter_draws=dict(randn=(N, 2), rand=(N, 2))`` into the results.
    """

    def __init__(self, template_center: float = 0.0,
                 template_scale: float = 0.0, search_center: float = 4.5,
                 search_scale: float = 0.5) -> None:
        self.template = (template_center, template_scale)
        self.search = (search_center, search_scale)

    def transform(self, results: dict) -> Optional[dict]:
        boxes = np.asarray(results['gt_bboxes'], dtype=np.float32)
        if not np.all(np.isfinite(boxes)) or np.any(boxes[:, 2:] < 0):
            return None  # bad annotation (NaN, negative size): redraw
        templates, _ = _split(results)
        draws = results.get('jitter_draws') or {}
        randn, rand = draws.get('randn'), draws.get('rand')
        out = []
        for i, box in enumerate(boxes):
            center, scale = self.template if i in templates else self.search
            out.append(jitter_box(
                box, center, scale,
                None if randn is None else randn[i],
                None if rand is None else rand[i]))
        results['jittered_bboxes'] = np.stack(out)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(template={self.template}, '
                f'search={self.search})')


@TRANSFORMS.register_module()
class SeqCropLikeStark(BaseTransform):
    """Crop every frame around its jittered box with
    :func:`stark_plugin.structures.crop.sample_target`.

    Templates: side ``template_factor`` (2.0) x box size, resized to
    ``template_size`` (128); search: ``search_factor`` (5.0) ->
    ``search_size`` (320). A sample with a jittered box too small to crop
    is rejected (None, official rule 1, :func:`crop_too_small`). Sets
    ``img`` (the crops), ``pad_mask`` (bool, True on padding),
    ``crop_bboxes`` (float32: the box in each crop, xywh normalised by the
    crop size, as the official ``transform_image_to_crop(normalize=True)``),
    ``crop_windows`` (int ``(N, 3)``: x1, y1, side of each crop in frame
    pixels) and ``resize_factors`` (crop size / side).
    """

    def __init__(self, template_factor: float = 2.0,
                 template_size: int = 128, search_factor: float = 5.0,
                 search_size: int = 320) -> None:
        self.template = (template_factor, template_size)
        self.search = (search_factor, search_size)

    def settings(self, results: dict) -> List[tuple]:
        """``(factor, output size)`` of each image of a sample."""
        templates, _ = _split(results)
        return [self.template if i in templates else self.search
                for i in range(len(results['gt_bboxes']))]

    def transform(self, results: dict) -> Optional[dict]:
        settings = self.settings(results)
        if any(crop_too_small(jit, factor) for jit, (factor, _) in zip(
                results['jittered_bboxes'], settings)):
            return None
        crops, masks, boxes, windows, factors = [], [], [], [], []
        for img, box, jit, (factor, size) in zip(
                results['img'], results['gt_bboxes'],
                results['jittered_bboxes'], settings):
            try:
                windows.append(crop_window(jit, factor))
                crop, scale, mask = sample_target(img, jit, factor, size)
            except ValueError:
                return None
            crops.append(crop)
            masks.append(mask)
            factors.append(scale)
            boxes.append(map_box_to_crop(box, jit, scale, size,
                                         normalize=True))
        results['img'] = crops
        results['pad_mask'] = masks
        results['crop_bboxes'] = np.stack(boxes)
        results['crop_windows'] = np.asarray(windows, dtype=np.int64)
        results['resize_factors'] = np.asarray(factors, dtype=np.float64)
        results['img_shape'] = [c.shape[:2] for c in crops]
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(template={self.template}, '
                f'search={self.search})')


def _nearest_downsample(mask: np.ndarray, size: int) -> np.ndarray:
    """``F.interpolate(mode='nearest')`` to ``size`` x ``size``."""
    h, w = mask.shape
    rows = np.floor(np.arange(size) * (h / size)).astype(int)
    cols = np.floor(np.arange(size) * (w / size)).astype(int)
    return mask[np.ix_(rows, cols)]


@TRANSFORMS.register_module()
class CheckPadMaskValidity(BaseTransform):
    """Reject (None) a sample if any crop is all padding (official rule 2)
    or all padding when downsampled to the feature map (``size //
    stride``, nearest; rule 3), as the official ``STARKProcessing`` does.

    Runs after the per-crop flip, as in the official code: rule 3 samples
    the pixels ``(stride * i, stride * j)``, so it depends on the flip.
    """

    def __init__(self, stride: int = 16) -> None:
        self.stride = stride

    def feature_mask(self, mask: np.ndarray) -> np.ndarray:
        """``mask`` downsampled to the feature map (``size // stride``) by
        nearest neighbour, the pixels ``(stride * i, stride * j)``."""
        return _nearest_downsample(mask, mask.shape[0] // self.stride)

    def rules(self, mask: np.ndarray) -> Tuple[bool, bool]:
        """Official rules 2 and 3 of one crop mask: (all padding, all
        padding on the feature map)."""
        feat = mask.shape[0] // self.stride
        return (bool(mask.all()),
                bool(feat > 0 and self.feature_mask(mask).all()))

    def transform(self, results: dict) -> Optional[dict]:
        if any(any(self.rules(mask)) for mask in results['pad_mask']):
            return None
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(stride={self.stride})'
