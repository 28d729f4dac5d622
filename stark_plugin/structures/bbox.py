"""Box format conversions and clipping used by the tracker.

Formats: ``xywh`` (top-left corner, width, height), ``cxcywh`` (centre,
width, height) and ``xyxy`` (corners). All functions work on numpy arrays
and torch tensors of shape ``(..., 4)``.
"""
import math
from typing import List, Sequence, Tuple, TypeVar

import numpy as np
import torch

from ..errors import InputError

BoxArray = TypeVar('BoxArray', np.ndarray, torch.Tensor)


def _stack(parts, like):
    if isinstance(like, torch.Tensor):
        return torch.stack(parts, dim=-1)
    return np.stack(parts, axis=-1)


def xywh_to_xyxy(box: BoxArray) -> BoxArray:
    x, y, w, h = (box[..., i] for i in range(4))
    return _stack([x, y, x + w, y + h], box)


def xyxy_to_xywh(box: BoxArray) -> BoxArray:
    x1, y1, x2, y2 = (box[..., i] for i in range(4))
    return _stack([x1, y1, x2 - x1, y2 - y1], box)


def xywh_to_cxcywh(box: BoxArray) -> BoxArray:
    x, y, w, h = (box[..., i] for i in range(4))
    return _stack([x + 0.5 * w, y + 0.5 * h, w, h], box)


def cxcywh_to_xywh(box: BoxArray) -> BoxArray:
    cx, cy, w, h = (box[..., i] for i in range(4))
    return _stack([cx - 0.5 * w, cy - 0.5 * h, w, h], box)


def cxcywh_to_xyxy(box: BoxArray) -> BoxArray:
    cx, cy, w, h = (box[..., i] for i in range(4))
    return _stack([cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h],
                  box)


def xyxy_to_cxcywh(box: BoxArray) -> BoxArray:
    x1, y1, x2, y2 = (box[..., i] for i in range(4))
    return _stack([(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1], box)


def box_iou_xywh(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise IoU of two ``(N, 4)`` arrays of ``xywh`` boxes (float64;
    0 for boxes without overlap, empty unions count as 1e-12)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    x1 = np.maximum(a[:, 0], b[:, 0])
    y1 = np.maximum(a[:, 1], b[:, 1])
    x2 = np.minimum(a[:, 0] + a[:, 2], b[:, 0] + b[:, 2])
    y2 = np.minimum(a[:, 1] + a[:, 3], b[:, 1] + b[:, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    union = a[:, 2] * a[:, 3] + b[:, 2] * b[:, 3] - inter
    return inter / np.maximum(union, 1e-12)


def clip_box(box: Sequence[float], img_h: int, img_w: int,
             margin: float = 0) -> Tuple[float, float, float, float]:
    """Clip an ``xywh`` box into the image as STARK's tracker does.

    The box keeps at least ``margin`` pixels of width/height and its top-left
    corner stays ``margin`` pixels away from the right/bottom border
    (``clip_box(margin=10)`` of the official code).
    """
    x1, y1, w, h = (float(v) for v in box)
    x2, y2 = x1 + w, y1 + h
    x1 = min(max(0.0, x1), img_w - margin)
    x2 = min(max(float(margin), x2), float(img_w))
    y1 = min(max(0.0, y1), img_h - margin)
    y2 = min(max(float(margin), y2), float(img_h))
    w = max(float(margin), x2 - x1)
    h = max(float(margin), y2 - y1)
    return x1, y1, w, h


def validate_box(box: Sequence[float], img_hw: Tuple[int, int],
                 name: str = 'box') -> List[float]:
    """Check one ``[x, y, w, h]`` against an image of size ``img_hw``.

    Raises:
        InputError: not 4 finite numbers, empty (w or h <= 0), or no
            overlap with the image.
    """
    h_img, w_img = img_hw[:2]
    size = f'image size {w_img}x{h_img} (w x h)'
    try:
        box = [float(v) for v in box]
    except (TypeError, ValueError):
        raise InputError(f'{name} {box!r}: expected 4 numbers x y w h')
    if len(box) != 4 or not all(math.isfinite(v) for v in box):
        raise InputError(f'{name} {box}: expected 4 finite numbers x y w h')
    x, y, w, h = box
    if w <= 0 or h <= 0:
        raise InputError(f'{name} {_fmt(box)} is empty (w and h must be > 0'
                         f'); {size}')
    if x >= w_img or y >= h_img or x + w <= 0 or y + h <= 0:
        raise InputError(f'{name} {_fmt(box)} is outside the image '
                         f'(no overlap); {size}')
    return box


def _fmt(box: Sequence[float]) -> str:
    return '[' + ', '.join(f'{v:g}' for v in box) + ']'
