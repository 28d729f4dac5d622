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


def _flip_boxes(boxes: np.ndarray, width: float) -> np.ndarray:
    """Mirror xywh boxes; ``width`` is ``W - 1`` for pixel coordinates
    (official ``RandomHorizontalFlip``) or 1 for normalised boxes."""
    out = np.array(boxes, dtype=np.float64, copy=True)
    out[..., 0] = width - (boxes[..., 0] + boxes[..., 2])
    return out


@TRANSFORMS.register_module()
class SeqRandomFlip(BaseTransform):
    """Horizontal flip as the official STARK training code does it.

    ``stage='frames'``: before cropping, one draw flips all frames of the
    sample and their ``gt_bboxes`` (``x' = (W - 1) - (x + w)``).
    ``stage='crops'``: after cropping, each crop is flipped on its own draw,
    with its padding mask and its normalised box (``x' = 1 - (x + w)``).

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
            if np.random.rand() < self.prob:
                imgs: List[np.ndarray] = results['img']
                boxes = np.asarray(results['gt_bboxes'], dtype=np.float64)
                results['gt_bboxes'] = np.stack([
                    _flip_boxes(b, img.shape[1] - 1)
                    for b, img in zip(boxes, imgs)
                ])
                results['img'] = [np.ascontiguousarray(img[:, ::-1])
                                  for img in imgs]
                results['flip'] = True
            return results
        flips = np.random.rand(len(results['img'])) < self.prob
        for i in np.flatnonzero(flips):
            img = results['img'][i]
            results['img'][i] = np.ascontiguousarray(img[:, ::-1])
            results['pad_mask'][i] = np.ascontiguousarray(
                results['pad_mask'][i][:, ::-1])
            results['crop_bboxes'][i] = _flip_boxes(
                results['crop_bboxes'][i], 1.0)
        results['crop_flip'] = flips.tolist()
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(prob={self.prob}, stage={self.stage!r})'


@TRANSFORMS.register_module()
class BrightnessAug(BaseTransform):
    """Multiply each crop by its own factor drawn from
    ``U[max(0, 1 - jitter), 1 + jitter]`` (official ``ToTensorAndJitter``).

    The official code clamps the float result to the valid range; here the
    product is clipped to [0, 255] and rounded back to uint8.
    """

    def __init__(self, jitter: float = 0.2) -> None:
        self.jitter = jitter

    def transform(self, results: dict) -> dict:
        lo, hi = max(0.0, 1.0 - self.jitter), 1.0 + self.jitter
        factors = np.random.uniform(lo, hi, size=len(results['img']))
        results['img'] = [
            np.clip(np.rint(img.astype(np.float32) * f), 0, 255)
            .astype(np.uint8) for img, f in zip(results['img'], factors)
        ]
        results['brightness'] = factors.tolist()
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(jitter={self.jitter})'
