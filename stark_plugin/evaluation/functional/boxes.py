"""Per-frame box measures (IoU, centre errors) as each toolkit computes them.

All boxes are ``(N, 4)`` arrays of ``x, y, w, h`` in image pixels. The
functions never raise on NaN or non-positive sizes: they return what the
arithmetic of the imitated toolkit gives (often NaN or 0), and the protocols
decide what such a frame counts as.
"""
from typing import Optional, Sequence

import numpy as np

__all__ = [
    'as_boxes', 'invalid_box_mask', 'iou_inclusive', 'iou_got10k',
    'iou_mmdet_float32', 'iou_rounded_inclusive', 'clip_boxes_to_image',
    'xywh_to_xyxy', 'center_error', 'normalized_center_error'
]


def as_boxes(boxes) -> np.ndarray:
    """Return ``boxes`` as a float64 ``(N, 4)`` array (a copy)."""
    arr = np.array(boxes, dtype=np.float64, copy=True)
    if arr.size == 0:
        return arr.reshape(0, 4)
    if arr.ndim == 1 and arr.shape[0] == 4:
        arr = arr[None]
    if arr.ndim != 2 or arr.shape[1] != 4:
        raise ValueError(f'expected boxes of shape (N, 4), got {arr.shape}')
    return arr


def invalid_box_mask(boxes: np.ndarray) -> np.ndarray:
    """Rows that are NaN/inf anywhere or have ``w <= 0`` or ``h <= 0``."""
    boxes = np.asarray(boxes, dtype=np.float64)
    with np.errstate(invalid='ignore'):
        return (~np.isfinite(boxes).all(axis=1)) | (boxes[:, 2] <= 0) | (
            boxes[:, 3] <= 0)


def iou_inclusive(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """IoU with inclusive pixel corners (STARK / pytracking, LaSOT toolkit).

    ``inter = max(0, min(x+w-1) - max(x) + 1)`` per axis, ``union = w1*h1 +
    w2*h2 - inter`` (pred area first, as both toolkits write it).
    """
    with np.errstate(invalid='ignore', divide='ignore'):
        tl = np.maximum(pred[:, :2], gt[:, :2])
        br = np.minimum(pred[:, :2] + pred[:, 2:] - 1.0,
                        gt[:, :2] + gt[:, 2:] - 1.0)
        sz = np.clip(br - tl + 1.0, 0, None)
        inter = sz[:, 0] * sz[:, 1]
        union = pred[:, 2] * pred[:, 3] + gt[:, 2] * gt[:, 3] - inter
        return inter / union


def clip_boxes_to_image(boxes: np.ndarray, width: float,
                        height: float) -> np.ndarray:
    """Clip ``x, y`` into ``[0, W] x [0, H]`` then ``w, h`` into what is left
    (got10k's ``rect_iou(bound=...)``). Returns a new array."""
    out = np.array(boxes, dtype=np.float64, copy=True)
    out[:, 0] = np.clip(out[:, 0], 0, width)
    out[:, 1] = np.clip(out[:, 1], 0, height)
    out[:, 2] = np.clip(out[:, 2], 0, width - out[:, 0])
    out[:, 3] = np.clip(out[:, 3], 0, height - out[:, 1])
    return out


def iou_got10k(pred: np.ndarray,
               gt: np.ndarray,
               bound: Optional[Sequence[float]] = None) -> np.ndarray:
    """IoU as the ``got10k`` package computes it.

    Exclusive corners ``x + w``, ``eps`` (float64 machine epsilon) added to
    the union, result clipped to ``[0, 1]`` (NaN stays NaN). With ``bound =
    (W, H)`` both boxes are first clipped to the image.
    """
    if bound is not None:
        pred = clip_boxes_to_image(pred, bound[0], bound[1])
        gt = clip_boxes_to_image(gt, bound[0], bound[1])
    with np.errstate(invalid='ignore', divide='ignore'):
        x1 = np.maximum(pred[:, 0], gt[:, 0])
        y1 = np.maximum(pred[:, 1], gt[:, 1])
        x2 = np.minimum(pred[:, 0] + pred[:, 2], gt[:, 0] + gt[:, 2])
        y2 = np.minimum(pred[:, 1] + pred[:, 3], gt[:, 1] + gt[:, 3])
        inter = np.maximum(x2 - x1, 0) * np.maximum(y2 - y1, 0)
        union = pred[:, 2] * pred[:, 3] + gt[:, 2] * gt[:, 3] - inter
        ious = inter / (union + np.finfo(float).eps)
        return np.clip(ious, 0.0, 1.0)


def xywh_to_xyxy(boxes: np.ndarray) -> np.ndarray:
    """``x, y, w, h`` -> ``x1, y1, x2, y2`` with ``x2 = x + w`` (float64)."""
    out = np.array(boxes, dtype=np.float64, copy=True)
    out[:, 2:] = out[:, :2] + out[:, 2:]
    return out


def iou_mmdet_float32(gt_xyxy: np.ndarray,
                      pred_xyxy: np.ndarray,
                      eps: float = 1e-6) -> np.ndarray:
    """Aligned IoU as mmdet's numpy ``bbox_overlaps`` gives it (mmtracking).

    Corners are cast to float32 and all arithmetic stays in float32; the
    union is floored at ``eps``. Returns float32 values.
    """
    g = gt_xyxy.astype(np.float32)
    p = pred_xyxy.astype(np.float32)
    with np.errstate(invalid='ignore', divide='ignore'):
        area_g = (g[:, 2] - g[:, 0]) * (g[:, 3] - g[:, 1])
        area_p = (p[:, 2] - p[:, 0]) * (p[:, 3] - p[:, 1])
        w = np.maximum(np.minimum(g[:, 2], p[:, 2]) -
                       np.maximum(g[:, 0], p[:, 0]), np.float32(0))
        h = np.maximum(np.minimum(g[:, 3], p[:, 3]) -
                       np.maximum(g[:, 1], p[:, 1]), np.float32(0))
        overlap = w * h
        union = np.maximum(area_g + area_p - overlap, np.float32(eps))
        return (overlap / union).astype(np.float32)


def iou_rounded_inclusive(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """IoU of the TrackingNet server on already rounded boxes.

    Inclusive corners, the intersection side rounded and clipped at 0, plain
    ``w*h`` areas. A NaN prediction gives NaN.
    """
    with np.errstate(invalid='ignore', divide='ignore'):
        p2 = pred[:, :2] + pred[:, 2:] - 1.0
        g2 = gt[:, :2] + gt[:, 2:] - 1.0
        # pandas' row-wise max/min skip NaN, so a NaN side takes the GT value
        tl = np.fmax(gt[:, :2], pred[:, :2])
        br = np.fmin(g2, p2)
        side = np.clip(np.round(br - tl + 1), 0, None)
        inter = side[:, 0] * side[:, 1]
        area_p = pred[:, 3] * pred[:, 2]
        area_g = gt[:, 3] * gt[:, 2]
        return inter / (area_g + area_p - inter)


def center_error(pred: np.ndarray, gt: np.ndarray,
                 offset: float = -1.0) -> np.ndarray:
    """Euclidean distance of the centres ``x + (w + offset) / 2``.

    ``offset`` is -1 (pytracking, got10k, LaSOT), 0 or +1 (TrackingNet); it
    cancels in the difference up to floating point rounding.
    """
    with np.errstate(invalid='ignore'):
        cp = pred[:, :2] + (pred[:, 2:] + offset) / 2.0
        cg = gt[:, :2] + (gt[:, 2:] + offset) / 2.0
        return np.sqrt(((cp - cg)**2).sum(axis=1))


def normalized_center_error(pred: np.ndarray, gt: np.ndarray,
                            offset: float = -1.0) -> np.ndarray:
    """Centre distance after dividing both centres by the GT ``w`` / ``h``.

    A zero GT size gives inf or NaN (a miss at every threshold).
    """
    with np.errstate(invalid='ignore', divide='ignore'):
        cp = (pred[:, :2] + (pred[:, 2:] + offset) / 2.0) / gt[:, 2:]
        cg = (gt[:, :2] + (gt[:, 2:] + offset) / 2.0) / gt[:, 2:]
        return np.sqrt(((cp - cg)**2).sum(axis=1))
