"""Photometric and flip augmentations of the STARK training pipeline.

The official order (``lib/train/base_functions.py``): on the full frames,
jointly for all frames of a sample, grayscale (p=0.05) and horizontal flip
(p=0.5); after cropping, per crop and independently, brightness jitter
(0.2) and another horizontal flip (p=0.5).
"""
from typing import List

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from stark_plugin.registry import TRANSFORMS
from stark_plugin.structures.crop import corner_round_trip


@TRANSFORMS.register_module()
class GrayAug(BaseTransform):
    """With probability ``prob``, turn every frame of the sample gray.

    One draw for all frames (official ``ToGrayscale`` in the joint
    transform). Frames are BGR uint8; the gray value is the same as the
    official one on RGB frames (ITU-R 601 weights) and is copied to all
    three channels.
    """

    def __init__(self, prob: float = 0.05) -> None:
        self.prob = prob

    def transform(self, results: dict) -> dict:
        if np.random.rand() < self.prob:
            results['img'] = [
                np.repeat(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)[..., None],
                          3, axis=2) for img in results['img']
            ]
            results['gray'] = True
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(prob={self.prob})'


#: the dtypes ``cv2.flip`` takes
_CV_DTYPES = tuple(np.dtype(t) for t in (np.uint8, np.int8, np.uint16,
                                         np.int16, np.int32, np.float32,
                                         np.float64))


def _flip_boxes(boxes: np.ndarray, width: float, flip: bool) -> np.ndarray:
    """The official box path of a horizontal flip, in float32.

    The box goes to its corners (``x2 = x + w``), the corners are mirrored
    about ``width`` when ``flip`` (``W - 1`` for frame pixels, 1 for
    normalised crop boxes) and the box is rebuilt from their min and max,
    also when nothing flips (so w and h can change in the last bit).
    """
    if not flip:
        return corner_round_trip(boxes)
    box = np.asarray(boxes, dtype=np.float32)
    w = np.float32(width)
    a = w - box[..., 0]
    b = w - (box[..., 0] + box[..., 2])
    out = corner_round_trip(box)
    out[..., 0] = np.minimum(a, b)
    out[..., 2] = np.maximum(a, b) - out[..., 0]
    return out


def mirror(img: np.ndarray) -> np.ndarray:
    """``img[:, ::-1]`` as a new contiguous array, through OpenCV's
    vectorised flip where the dtype allows it (several times faster than
    numpy's reversed copy on frames; the same values). Bool masks flip
    as their bytes."""
    if img.dtype == np.bool_:
        return mirror(img.view(np.uint8)).view(np.bool_)
    if img.dtype not in _CV_DTYPES or img.ndim not in (2, 3):
        return np.ascontiguousarray(img[:, ::-1])
    return cv2.flip(img, 1).reshape(img.shape)


@TRANSFORMS.register_module()
class SeqRandomFlip(BaseTransform):
    """Horizontal flip as the official STARK training code does it.

    ``stage='frames'``: before cropping, one draw flips all frames of the
    sample and their ``gt_bboxes`` (``x' = (W - 1) - (x + w)``).
    ``stage='crops'``: after cropping, each crop is flipped on its own draw,
    with its padding mask and its normalised box (``x' = 1 - (x + w)``).
    Boxes become float32 and take the official corner round trip also
    when not flipped.

    mmcv's ``RandomFlip`` is not used because it mirrors xyxy boxes about
    ``W`` (not ``W - 1``) and cannot flip each crop independently.
    """

    def __init__(self, prob: float = 0.5, stage: str = 'frames') -> None:
        if stage not in ('frames', 'crops'):
            raise ValueError(f"stage must be 'frames' or 'crops', got "
                             f'{stage!r}')
        self.prob = prob
        self.stage = stage

    def transform(self, results: dict) -> dict:
        if self.stage == 'frames':
            flip = bool(np.random.rand() < self.prob)
            imgs: List[np.ndarray] = results['img']
            results['gt_bboxes'] = np.stack([
                _flip_boxes(b, img.shape[1] - 1, flip)
                for b, img in zip(results['gt_bboxes'], imgs)
            ])
            if flip:
                results['img'] = [mirror(img) for img in imgs]
                results['flip'] = True
            return results
        flips = np.random.rand(len(results['img'])) < self.prob
        results['crop_bboxes'] = np.stack([
            _flip_boxes(b, 1.0, bool(f))
            for b, f in zip(results['crop_bboxes'], flips)
        ])
        for i in np.flatnonzero(flips):
            results['img'][i] = mirror(results['img'][i])
            results['pad_mask'][i] = mirror(results['pad_mask'][i])
        results['crop_flip'] = flips.tolist()
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(prob={self.prob}, stage={self.stage!r})'


@TRANSFORMS.register_module()
class BrightnessAug(BaseTransform):
    """Draw each crop's brightness factor from
    ``U[max(0, 1 - jitter), 1 + jitter]`` (official ``ToTensorAndJitter``).

    The factors go to ``results['brightness']`` (one per crop, templates
    then search) and the pixels stay as they are: the official code scales
    the float image, ``clamp(img * (b / 255), 0, 1)``, so the data
    preprocessor applies the factor when it converts the crops to float
    (no rounding to uint8 in between).
    """

    def __init__(self, jitter: float = 0.2) -> None:
        self.jitter = jitter

    def transform(self, results: dict) -> dict:
        lo, hi = max(0.0, 1.0 - self.jitter), 1.0 + self.jitter
        results['brightness'] = np.random.uniform(
            lo, hi, size=len(results['img'])).tolist()
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(jitter={self.jitter})'
