"""Per-frame regions (ground truth or tracker output) as vot-toolkit sees them.

A frame holds one of four kinds, as in ``vot.region``:

* ``SPECIAL``: a code and no pixels. In trajectories ``1`` marks the
  initialisation frame, ``2`` a failure, ``0`` a skipped (unknown) frame;
  in ground truth a ``nan`` line is ``SPECIAL`` with code ``0`` (unknown).
* ``RECTANGLE``: ``x, y, w, h`` stored as float32 (vot-toolkit stores it so).
* ``POLYGON``: ``(K, 2)`` float32 points, ``K >= 3``.
* ``MASK``: a binary mask and the ``(x, y)`` offset of its top-left pixel,
  always cropped to its pixels as the toolkit does when it reads a mask from
  text (``mask_optimize_read``): an empty mask, and (toolkit quirk) a mask
  whose pixels all lie in its column 0, become a 0x0 mask at ``(0, 0)``.
"""
from dataclasses import dataclass
from typing import Any, Iterable, Optional, Sequence, Tuple

import numpy as np

__all__ = [
    'SPECIAL', 'RECTANGLE', 'POLYGON', 'MASK', 'UNKNOWN', 'INITIALIZATION',
    'FAILURE', 'Polygon', 'Mask', 'Regions'
]

SPECIAL, RECTANGLE, POLYGON, MASK = 0, 1, 2, 3
#: trajectory codes (``vot.tracker.Trajectory``)
UNKNOWN, INITIALIZATION, FAILURE = 0, 1, 2


@dataclass(frozen=True, eq=False)
class Polygon:
    """A closed polygon, ``points`` ``(K, 2)`` float32 ``x, y``, ``K >= 3``."""
    points: np.ndarray

    def __post_init__(self) -> None:
        pts = np.asarray(self.points, dtype=np.float32)
        if pts.ndim != 2 or pts.shape[1] != 2 or len(pts) < 3:
            raise ValueError(
                f'a polygon needs (K, 2) points with K >= 3, got {pts.shape}')
        object.__setattr__(self, 'points', pts)


@dataclass(frozen=True, eq=False)
class Mask:
    """A binary mask (uint8 0/1) whose pixel ``[0, 0]`` is image pixel
    ``offset``; cropped to its non-zero pixels on construction."""
    mask: np.ndarray
    offset: Tuple[int, int] = (0, 0)

    def __post_init__(self) -> None:
        m = np.asarray(self.mask)
        if m.ndim != 2:
            raise ValueError(f'a mask must be 2-D, got shape {m.shape}')
        m = (m != 0).astype(np.uint8)
        rows, cols = np.flatnonzero(m.any(1)), np.flatnonzero(m.any(0))
        # the toolkit's crop takes a mask whose right-most pixel is in
        # column 0 for empty (``bounds[2] == 0``), one pixel wide included
        if len(cols) == 0 or cols[-1] == 0:
            m, off = np.zeros((0, 0), np.uint8), (0, 0)
        else:
            m = m[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
            off = (int(self.offset[0]) + int(cols[0]),
                   int(self.offset[1]) + int(rows[0]))
        object.__setattr__(self, 'mask', np.ascontiguousarray(m))
        object.__setattr__(self, 'offset', off)


def _as_region(item: Any) -> Tuple[int, int, np.ndarray, Optional[object]]:
    """One frame -> (kind, code, float32 xywh or NaNs, shape or None)."""
    nan4 = np.full(4, np.nan, np.float32)
    if isinstance(item, Polygon):
        return POLYGON, -1, _polygon_box(item.points), item
    if isinstance(item, Mask) or (hasattr(item, 'mask')
                                  and hasattr(item, 'offset')):
        m = item if isinstance(item, Mask) else Mask(item.mask, item.offset)
        return MASK, -1, _mask_box(m), m
    arr = np.asarray(item, dtype=np.float64)
    if arr.ndim == 0 or arr.size == 1:
        code = arr.reshape(-1)[0]
        if not np.isfinite(code) or code != int(code):
            raise ValueError(f'a special region needs an integer code, '
                             f'got {item!r}')
        return SPECIAL, int(code), nan4, None
    if arr.ndim == 2 and arr.shape[1] == 2:
        arr = arr.reshape(-1)
    if arr.ndim != 1 or arr.size < 4 or arr.size % 2:
        raise ValueError('a region is a code, x,y,w,h or a polygon of >= 3 '
                         f'points, got {arr.size} numbers')
    if np.isnan(arr).any():
        return SPECIAL, UNKNOWN, nan4, None  # the toolkit's parse rule
    if arr.size == 4:
        return RECTANGLE, -1, arr.astype(np.float32), None
    poly = Polygon(arr.reshape(-1, 2))
    return POLYGON, -1, _polygon_box(poly.points), poly


def _polygon_box(points: np.ndarray) -> np.ndarray:
    """vot-toolkit's ``Rectangle.convert(polygon)``: extent, not +1."""
    lo, hi = points.min(0), points.max(0)
    return np.array([lo[0], lo[1], hi[0] - lo[0], hi[1] - lo[1]], np.float32)


def _mask_box(mask: Mask) -> np.ndarray:
    """The box covering the mask pixels; NaNs for an empty mask."""
    if mask.mask.size == 0:
        return np.full(4, np.nan, np.float32)
    h, w = mask.mask.shape
    return np.array([mask.offset[0], mask.offset[1], w, h], np.float32)


class Regions:
    """The regions of ``N`` frames.

    Attributes:
        kinds: ``(N,)`` int8, ``SPECIAL``/``RECTANGLE``/``POLYGON``/``MASK``.
        codes: ``(N,)`` int64 special codes, ``-1`` on shape frames.
        boxes: ``(N, 4)`` float32 ``x, y, w, h``: the rectangle, or the
            bounding box of a polygon (vot-toolkit's ``Rectangle.convert``:
            ``max - min``) or of a mask's pixels; NaN on special frames.
        shapes: ``{frame: Polygon | Mask}`` for polygon and mask frames.
    """

    def __init__(self, kinds: np.ndarray, codes: np.ndarray,
                 boxes: np.ndarray, shapes: Optional[dict] = None) -> None:
        self.kinds = np.asarray(kinds, dtype=np.int8).reshape(-1)
        self.codes = np.asarray(codes, dtype=np.int64).reshape(-1)
        self.boxes = np.asarray(boxes, dtype=np.float32).reshape(-1, 4)
        self.shapes = dict(shapes or {})
        n = len(self.kinds)
        if len(self.codes) != n or len(self.boxes) != n:
            raise ValueError('kinds, codes and boxes differ in length')
        need = set(np.flatnonzero(self.kinds >= POLYGON).tolist())
        if need != set(self.shapes):
            raise ValueError('shapes must hold exactly the polygon and mask '
                             'frames')

    @classmethod
    def from_list(cls, items: Iterable[Any]) -> 'Regions':
        """Frames from codes, ``x,y,w,h``, polygons (flat ``2K`` numbers or
        ``(K, 2)``), :class:`Polygon`, :class:`Mask` or anything with
        ``mask`` and ``offset`` (``stark_plugin.fileio.vot.VOTMask``). NaN
        numbers make the frame ``SPECIAL`` code 0, as the toolkit's parser."""
        parsed = []
        for i, item in enumerate(items):
            try:
                parsed.append(_as_region(item))
            except ValueError as err:
                raise ValueError(f'frame {i}: {err}') from None
        if not parsed:
            return cls(np.zeros(0), np.zeros(0), np.zeros((0, 4)))
        kinds, codes, boxes, shapes = zip(*parsed)
        return cls(np.array(kinds), np.array(codes), np.stack(boxes),
                   {i: s for i, s in enumerate(shapes) if s is not None})

    @classmethod
    def from_boxes(cls, boxes: np.ndarray) -> 'Regions':
        """``(N, 4)`` ``x, y, w, h`` rows; rows with a NaN are unknown."""
        b = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
        unknown = np.isnan(b).any(1)
        kinds = np.where(unknown, SPECIAL, RECTANGLE)
        codes = np.where(unknown, UNKNOWN, -1)
        b = np.where(unknown[:, None], np.nan, b)
        return cls(kinds, codes, b)

    def __len__(self) -> int:
        return len(self.kinds)

    def __repr__(self) -> str:
        counts = np.bincount(self.kinds, minlength=4)
        return (f'Regions({len(self)} frames: {counts[0]} special, '
                f'{counts[1]} rectangles, {counts[2]} polygons, '
                f'{counts[3]} masks)')

    def take(self, frames: Sequence[int]) -> 'Regions':
        """The regions of ``frames`` (e.g. a reversed proxy sequence)."""
        idx = np.asarray(frames, dtype=np.int64).reshape(-1)
        shapes = {j: self.shapes[int(i)] for j, i in enumerate(idx)
                  if int(i) in self.shapes}
        return Regions(self.kinds[idx], self.codes[idx], self.boxes[idx],
                       shapes)

    def is_special(self, code: Optional[int] = None) -> np.ndarray:
        """``(N,)`` bool: special frames (with ``code`` if given)."""
        special = self.kinds == SPECIAL
        return special if code is None else special & (self.codes == code)

    def is_empty(self) -> np.ndarray:
        """``(N,)`` bool, vot-toolkit's ``Region.is_empty``: special frames;
        rectangles with ``w <= 0`` or ``h <= 0``; polygons with no extent in
        x or y; masks whose cropped size is 0 or 1 in x or y (the toolkit
        tests ``right == 0 or bottom == 0`` of the cropped mask)."""
        empty = self.kinds == SPECIAL
        rect = self.kinds == RECTANGLE
        empty[rect] = ~((self.boxes[rect, 2] > 0) & (self.boxes[rect, 3] > 0))
        for i, shape in self.shapes.items():
            if isinstance(shape, Polygon):
                ext = shape.points.max(0) - shape.points.min(0)
                empty[i] = bool((ext == 0).any())
            else:
                empty[i] = shape.mask.size == 0 or min(shape.mask.shape) == 1
        return empty

    def as_polygons(self) -> 'Regions':
        """Rectangles as 4-point polygons with corners at ``x + w``, ``y + h``
        (vot-toolkit's ``Polygon.convert``; also mmtracking's ``VOTDataset``
        ground truth). Other frames are kept."""
        shapes = dict(self.shapes)
        kinds = self.kinds.copy()
        for i in np.flatnonzero(self.kinds == RECTANGLE):
            x, y, w, h = (float(v) for v in self.boxes[i])
            shapes[int(i)] = Polygon([[x, y], [x + w, y], [x + w, y + h],
                                      [x, y + h]])
            kinds[i] = POLYGON
        return Regions(kinds, self.codes, self.boxes, shapes)
