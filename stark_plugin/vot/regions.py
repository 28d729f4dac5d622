"""Regions exchanged with the VOT toolkit, as boxes for the tracker.

The tracker works with ``x, y, w, h`` boxes in pixels. The toolkit sends
rectangles, polygons or masks (the regions of
:mod:`stark_plugin.fileio.vot`: ``(4,)`` array, ``(K, 2)`` array,
:class:`~stark_plugin.fileio.vot.VOTMask`), and expects replies of the
kind it initialised with. The conversions follow the VOT2020 integration
of the official STARK:

- mask -> box: the smallest box holding every non-zero pixel
  (``[x0, y0, x1 - x0 + 1, y1 - y0 + 1]`` over pixel indices);
- box -> mask: the pixels ``[round(y), round(y + h))`` x
  ``[round(x), round(x + w))`` clipped to the image (Python's ``round``),
  set to 1;
- polygon -> box: the axis-aligned bounds of its points.
"""
from typing import List, Tuple

import numpy as np

from ..errors import InputError
from ..fileio.vot import VOTMask, VOTRegion

__all__ = ['RECTANGLE', 'POLYGON', 'MASK', 'region_kind', 'box_from_region',
           'mask_from_box', 'reply_region']

#: region kinds, as TraX names them
RECTANGLE, POLYGON, MASK = 'rectangle', 'polygon', 'mask'

Box = List[float]


def region_kind(region: VOTRegion) -> str:
    """``'rectangle'``, ``'polygon'`` or ``'mask'`` (special codes raise)."""
    if isinstance(region, VOTMask):
        return MASK
    arr = np.asarray(region)
    if arr.shape == (4, ):
        return RECTANGLE
    if arr.ndim == 2 and arr.shape[1] == 2 and arr.shape[0] >= 3:
        return POLYGON
    raise InputError(f'expected a rectangle, polygon or mask region, got '
                     f'{type(region).__name__} {getattr(arr, "shape", "")}')


def _mask_box(region: VOTMask) -> Box:
    mask = np.asarray(region.mask)
    cols = np.flatnonzero(mask.any(axis=0))
    rows = np.flatnonzero(mask.any(axis=1))
    if cols.size == 0:
        raise InputError(f'the mask region ({mask.shape[1]}x{mask.shape[0]} '
                         f'at offset {tuple(region.offset)}) is empty: no '
                         'box to track')
    x0, y0 = region.offset
    return [float(x0 + cols[0]), float(y0 + rows[0]),
            float(cols[-1] - cols[0] + 1), float(rows[-1] - rows[0] + 1)]


def box_from_region(region: VOTRegion) -> Box:
    """The ``x, y, w, h`` box of a rectangle, polygon or mask region.

    Raises:
        InputError: an empty mask, a box without area, a non-finite value.
    """
    kind = region_kind(region)
    if kind == MASK:
        box = _mask_box(region)
    else:
        arr = np.asarray(region, dtype=np.float64)
        if not np.isfinite(arr).all():
            raise InputError(f'the {kind} region has non-finite values: '
                             f'{arr.reshape(-1).tolist()}')
        if kind == RECTANGLE:
            box = [float(v) for v in arr]
        else:
            low, high = arr.min(axis=0), arr.max(axis=0)
            box = [float(low[0]), float(low[1]), float(high[0] - low[0]),
                   float(high[1] - low[1])]
    if box[2] <= 0 or box[3] <= 0:
        raise InputError(f'the {kind} region gives the box {box}, which has '
                         'no area')
    return box


def mask_from_box(box: Box, width: int, height: int) -> VOTMask:
    """The box as a filled mask (cropped to its pixels, with an offset),
    clipped to a ``width`` x ``height`` image; an empty mask (1x1, 0) when
    nothing of it is inside."""
    x0 = max(int(round(box[0])), 0)
    y0 = max(int(round(box[1])), 0)
    x1 = min(int(round(box[0] + box[2])), int(width))
    y1 = min(int(round(box[1] + box[3])), int(height))
    if x1 <= x0 or y1 <= y0:
        return VOTMask(np.zeros((1, 1), np.uint8), (0, 0))
    return VOTMask(np.ones((y1 - y0, x1 - x0), np.uint8), (x0, y0))


def reply_region(box: Box, kind: str, image_size: Tuple[int, int]
                 ) -> VOTRegion:
    """The region to report for ``box``: a filled mask when the target was
    given as a mask, else a rectangle (also for a polygon: the toolkit
    accepts rectangles there). ``image_size`` is ``(width, height)``."""
    if kind == MASK:
        return mask_from_box(box, *image_size)
    return np.asarray(box, dtype=np.float32)
