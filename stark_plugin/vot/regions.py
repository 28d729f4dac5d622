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
  set to 1 (:func:`~stark_plugin.fileio.vot.mask_from_box`);
- polygon -> box: the axis-aligned bounds of its points.
"""
from typing import List, Tuple

import numpy as np

from ..errors import InputError
from ..fileio.vot import VOTMask, VOTRegion, mask_from_box, region_box

__all__ = ['RECTANGLE', 'POLYGON', 'MASK', 'region_kind', 'box_from_region',
           'reply_region']

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


def box_from_region(region: VOTRegion) -> Box:
    """The ``x, y, w, h`` box of a rectangle, polygon or mask region
    (:func:`~stark_plugin.fileio.vot.region_box`).

    Raises:
        InputError: an empty mask, a box without area, a non-finite value.
    """
    kind = region_kind(region)
    box = [float(v) for v in region_box(region)]
    if kind == MASK and not np.isfinite(box).all():
        shape = np.asarray(region.mask).shape
        raise InputError(f'the mask region ({shape[1]}x{shape[0]} at offset '
                         f'{tuple(region.offset)}) is empty: no box to '
                         'track')
    if kind != MASK:
        arr = np.asarray(region, dtype=np.float64)
        if not np.isfinite(arr).all():
            raise InputError(f'the {kind} region has non-finite values: '
                             f'{arr.reshape(-1).tolist()}')
    if box[2] <= 0 or box[3] <= 0:
        raise InputError(f'the {kind} region gives the box {box}, which has '
                         'no area')
    return box


def reply_region(box: Box, kind: str, image_size: Tuple[int, int]
                 ) -> VOTRegion:
    """The region to report for ``box``: a filled mask when the target was
    given as a mask, else a rectangle (also for a polygon: the toolkit
    accepts rectangles there). ``image_size`` is ``(width, height)``."""
    if kind == MASK:
        return mask_from_box(box, *image_size)
    return np.asarray(box, dtype=np.float32)
