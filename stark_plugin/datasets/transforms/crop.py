"""Box jitter, STARK cropping and the padding-mask validity check."""
from typing import Optional, Sequence

import numpy as np
from mmcv.transforms import BaseTransform

from stark_plugin.registry import TRANSFORMS
from stark_plugin.structures.crop import map_box_to_crop, sample_target


def _split(results: dict):
    """(template indices, search indices) of a sample."""
    n = len(results['gt_bboxes'])
    t = results.get('num_templates', n - 1)
    return list(range(t)), list(range(t, n))


def jitter_box(box: np.ndarray, center_jitter: float,
               scale_jitter: float) -> np.ndarray:
    """Official ``_get_jittered_box``: the size is scaled by
    ``exp(N(0, 1) * scale_jitter)`` per side and the centre moved by up to
    half of ``sqrt(w' * h') * center_jitter`` per axis."""
    size = box[2:4] * np.exp(np.random.randn(2) * scale_jitter)
    max_offset = np.sqrt(np.prod(size)) * center_jitter
    centre = box[:2] + 0.5 * box[2:4] + max_offset * (np.random.rand(2) - 0.5)
    return np.concatenate([centre - 0.5 * size, size])


@TRANSFORMS.register_module()
class SeqBboxJitter(BaseTransform):
    """Jitter the box each crop is centred on (``jittered_bboxes``).

    Templates use ``template_center``/``template_scale`` (STARK: 0, 0) and
    search frames ``search_center``/``search_scale`` (4.5, 0.5). A sample
    whose target box is not finite or has no area is rejected (None), as
    is one whose jittered crop would be smaller than a pixel (official
    ``crop_sz < 1`` check).
    """

    def __init__(self, template_center: float = 0.0,
                 template_scale: float = 0.0, search_center: float = 4.5,
                 search_scale: float = 0.5,
                 factors: Sequence[float] = (2.0, 5.0)) -> None:
        self.template = (template_center, template_scale)
        self.search = (search_center, search_scale)
        self.factors = factors

    def transform(self, results: dict) -> Optional[dict]:
        boxes = np.asarray(results['gt_bboxes'], dtype=np.float64)
        if not np.all(np.isfinite(boxes)) or np.any(boxes[:, 2:] <= 0):
            return None
        templates, _ = _split(results)
        out = []
        for i, box in enumerate(boxes):
            is_template = i in templates
            center, scale = self.template if is_template else self.search
            jittered = jitter_box(box, center, scale)
            factor = self.factors[0 if is_template else 1]
            if np.ceil(np.sqrt(np.prod(jittered[2:])) * factor) < 1:
                return None
            out.append(jittered)
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
    ``search_size`` (320). Sets ``img`` (the crops), ``pad_mask`` (bool,
    True on padding) and ``crop_bboxes`` (the true box in each crop, xywh
    normalised by the crop size, as the official
    ``transform_image_to_crop(normalize=True)``).
    """

    def __init__(self, template_factor: float = 2.0,
                 template_size: int = 128, search_factor: float = 5.0,
                 search_size: int = 320) -> None:
        self.template = (template_factor, template_size)
        self.search = (search_factor, search_size)

    def transform(self, results: dict) -> Optional[dict]:
        templates, _ = _split(results)
        crops, masks, boxes = [], [], []
        for i, (img, box, jit) in enumerate(
                zip(results['img'], results['gt_bboxes'],
                    results['jittered_bboxes'])):
            factor, size = self.template if i in templates else self.search
            try:
                crop, scale, mask = sample_target(img, jit, factor, size)
            except ValueError:
                return None
            crops.append(crop)
            masks.append(mask)
            boxes.append(map_box_to_crop(box, jit, scale, size,
                                         normalize=True))
        results['img'] = crops
        results['pad_mask'] = masks
        results['crop_bboxes'] = np.stack(boxes)
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
    """Reject (None) a sample if any crop is all padding, at full size or
    downsampled to the feature map (``size // stride``, nearest), as the
    official ``STARKProcessing`` does."""

    def __init__(self, stride: int = 16) -> None:
        self.stride = stride

    def transform(self, results: dict) -> Optional[dict]:
        for mask in results['pad_mask']:
            if mask.all():
                return None
            feat = mask.shape[0] // self.stride
            if feat > 0 and _nearest_downsample(mask, feat).all():
                return None
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(stride={self.stride})'
