"""Region overlap exactly as vot-toolkit's ``calculate_overlap``.

Rules of ``vot.region.raster`` (0.9.0; ``toolkit='0.5.3'`` for the older
rules mmtracking 0.x ran with):

* Rectangles and polygon points are rounded first (``np.round`` on float32,
  half to even). Bounds (inclusive pixels): rectangle ``(X, Y, X+W-1,
  Y+H-1)``; polygon min/max of its points; mask its pixels; special
  ``(0, 0, 0, 0)``.
* ``U`` = union of the two bounds. 0.9.0: if ``U`` has no extent in x or y
  (``x0 >= x1`` or ``y0 >= y1``) the overlap is 1.0 (two empty regions are
  identical). 0.5.3: any special region gives 0.0 and there is no such rule.
* The window is ``U`` clipped to the image ``[0, W-1] x [0, H-1]`` (only
  ``U`` without bounds); a window without extent gives 0.
* Both regions are rasterised in the window, overlap = |A and B| / |A or B|
  (0 when the union has no pixel).

Rectangle pairs are computed in closed form for all frames at once; frames
with a polygon or a mask are rasterised one by one.
"""
from typing import Optional, Tuple

import numpy as np

from .regions import MASK, POLYGON, RECTANGLE, SPECIAL, Mask, Regions

__all__ = ['region_bounds', 'region_overlaps', 'rasterize']

TOOLKITS = ('0.9.0', '0.5.3')


def _rounded_rects(regions: Regions, frames: slice = slice(None)):
    """int64 ``X, Y, W, H`` (``np.round`` of float32); 0 on non-rect frames."""
    r = np.round(np.nan_to_num(regions.boxes[frames]))  # float32, half even
    r[regions.kinds[frames] != RECTANGLE] = 0
    return r.astype(np.int64)


def region_bounds(regions: Regions) -> np.ndarray:
    """``(N, 4)`` int64 inclusive pixel bounds ``x0, y0, x1, y1``."""
    rect = _rounded_rects(regions)
    out = np.zeros((len(regions), 4), np.int64)
    is_rect = regions.kinds == RECTANGLE
    out[is_rect, :2] = rect[is_rect, :2]
    out[is_rect, 2:] = rect[is_rect, :2] + rect[is_rect, 2:] - 1
    for i, shape in regions.shapes.items():
        if isinstance(shape, Mask):
            h, w = shape.mask.shape
            ox, oy = shape.offset
            out[i] = (ox, oy, ox + max(w - 1, 0), oy + max(h - 1, 0))
        else:
            p = np.round(shape.points)
            lo, hi = p.min(0), p.max(0)
            out[i] = (int(lo[0]), int(lo[1]), int(hi[0]), int(hi[1]))
    return out


def _windows(ba: np.ndarray, bb: np.ndarray,
             bounds: Optional[Tuple[int, int]]) -> Tuple[np.ndarray, ...]:
    """Union bounds, whether they lack extent, the window, its emptiness."""
    union = np.concatenate(
        [np.minimum(ba[:, :2], bb[:, :2]),
         np.maximum(ba[:, 2:], bb[:, 2:])], axis=1)
    degenerate = (union[:, 0] >= union[:, 2]) | (union[:, 1] >= union[:, 3])
    win = union.copy()
    if bounds is not None:
        win[:, :2] = np.maximum(win[:, :2], 0)
        win[:, 2] = np.minimum(win[:, 2], int(bounds[0]) - 1)
        win[:, 3] = np.minimum(win[:, 3], int(bounds[1]) - 1)
    no_window = (win[:, 0] >= win[:, 2]) | (win[:, 1] >= win[:, 3])
    return union, degenerate, win, no_window


def _slice_len(start: np.ndarray, stop: np.ndarray, n: np.ndarray) -> tuple:
    """Python slice ``[start:stop]`` on length ``n`` (``start >= 0``):
    the clipped start and end (exclusive)."""
    stop = np.where(stop < 0, np.maximum(n + stop, 0), np.minimum(stop, n))
    start = np.minimum(start, n)
    return start, np.maximum(stop, start)


def _rect_spans(rect: np.ndarray, is_rect: np.ndarray,
                win: np.ndarray) -> Tuple[np.ndarray, ...]:
    """Pixel spans ``[c0, c1) x [r0, r1)`` of rectangles rasterised in their
    windows the way ``rasterize_rectangle`` does (its ``min(bounds[2], ...)``
    and slice semantics included)."""
    x, y, w, h = rect.T
    b0, b1, b2, b3 = win.T
    outside = (x > b2) | (x + w - 1 < b0) | (y > b3) | (y + h - 1 < b1)
    c0, c1 = _slice_len(np.maximum(0, x - b0),
                        np.minimum(b2, x + w - 1 - b0) + 1, b2 - b0 + 1)
    r0, r1 = _slice_len(np.maximum(0, y - b1),
                        np.minimum(b3, y + h - 1 - b1) + 1, b3 - b1 + 1)
    none = outside | ~is_rect
    c1 = np.where(none, c0, c1)
    r1 = np.where(none, r0, r1)
    return c0, c1, r0, r1


def _rasterize_polygon(points: np.ndarray, win) -> np.ndarray:
    """``rasterize_polygon`` (scan lines, node pairs, its duplicate-node
    rule), vectorised over the rows of the window."""
    b0, b1, b2, b3 = (int(v) for v in win)
    width, height = b2 - b0 + 1, b3 - b1 + 1
    p = np.round(points).astype(np.float64) - np.array([b0, b1], np.float64)
    k = len(p)
    prev = np.roll(np.arange(k), 1)
    xi, yi, xj, yj = p[:, 0], p[:, 1], p[prev, 0], p[prev, 1]
    row = np.arange(height, dtype=np.float64)[:, None]
    hit = (((yi <= row) & (yj > row)) | ((yj <= row) & (yi > row))
           | ((yi < row) & (yj >= row)) | ((yj < row) & (yi >= row))
           | ((yi == yj) & (yi == row)))
    r = yj - yi
    with np.errstate(divide='ignore', invalid='ignore'):
        x = np.where(r != 0, xi + (row - yi) / r * (xj - xi), xi)
    nodes = np.where(hit, np.trunc(x), np.inf)
    nodes.sort(axis=1)
    nodes = np.where(np.isinf(nodes), 0, nodes).astype(np.int64)
    count = hit.sum(1)
    rows = np.arange(height)
    pos = np.zeros(height, np.int64)
    live = np.ones(height, bool)
    diff = np.zeros((height, width + 1), np.int64)
    for _ in range(k):
        act = live & (pos < count - 1)
        if not act.any():
            break
        a = nodes[rows, np.minimum(pos, k - 1)]
        b = nodes[rows, np.minimum(pos + 1, k - 1)]
        live &= ~(act & (a >= width))
        act &= a < width
        dup = act & (a == b) & (pos < count - 2)
        fill = act & ~dup & (b >= 0)
        lo, hi = np.maximum(a, 0), np.minimum(b, width - 1)
        fill &= lo <= hi
        np.add.at(diff, (rows[fill], lo[fill]), 1)
        np.add.at(diff, (rows[fill], hi[fill] + 1), -1)
        pos = np.where(dup, pos + 1, np.where(act, pos + 2, pos))
    return (np.cumsum(diff[:, :width], axis=1) > 0).astype(np.uint8)


def _rasterize_mask(mask: Mask, win) -> np.ndarray:
    """``copy_mask``: the part of the mask inside the window."""
    b0, b1, b2, b3 = (int(v) for v in win)
    out = np.zeros((b3 - b1 + 1, b2 - b0 + 1), np.uint8)
    ox, oy = mask.offset
    h, w = mask.mask.shape
    tx, ty = max(ox, b0), max(oy, b1)
    tw, th = min(b2 + 1, ox + w) - tx, min(b3 + 1, oy + h) - ty
    if tw > 0 and th > 0:
        out[ty - b1:ty - b1 + th, tx - b0:tx - b0 + tw] = \
            mask.mask[ty - oy:ty - oy + th, tx - ox:tx - ox + tw]
    return out


def rasterize(regions: Regions, frame: int, win) -> np.ndarray:
    """uint8 raster of one frame's region in window ``(x0, y0, x1, y1)``."""
    kind = regions.kinds[frame]
    if kind == POLYGON:
        return _rasterize_polygon(regions.shapes[frame].points, win)
    if kind == MASK:
        return _rasterize_mask(regions.shapes[frame], win)
    w = np.asarray(win, np.int64).reshape(1, 4)
    out = np.zeros((w[0, 3] - w[0, 1] + 1, w[0, 2] - w[0, 0] + 1), np.uint8)
    rect = _rounded_rects(regions, slice(frame, frame + 1))
    c0, c1, r0, r1 = _rect_spans(rect, np.array([kind == RECTANGLE]), w)
    out[r0[0]:r1[0], c0[0]:c1[0]] = 1
    return out


def region_overlaps(first: Regions, second: Regions,
                    bounds: Optional[Tuple[int, int]] = None,
                    toolkit: str = '0.9.0') -> np.ndarray:
    """Per-frame overlaps, vot-toolkit's ``calculate_overlaps``.

    Args:
        first, second: regions of the same number of frames.
        bounds: image ``(width, height)``; ``None``: no clipping.
        toolkit: ``'0.9.0'`` (default) or ``'0.5.3'``: special regions give
            0 and two empty regions give 0 instead of 1.

    Returns:
        ``(N,)`` float64 overlaps.
    """
    if toolkit not in TOOLKITS:
        raise ValueError(f'toolkit must be one of {TOOLKITS}, got {toolkit}')
    if len(first) != len(second):
        raise ValueError(f'{len(first)} regions against {len(second)}')
    ba, bb = region_bounds(first), region_bounds(second)
    _, degenerate, win, no_window = _windows(ba, bb, bounds)
    ra, rb = _rounded_rects(first), _rounded_rects(second)
    ca0, ca1, ra0, ra1 = _rect_spans(ra, first.kinds == RECTANGLE, win)
    cb0, cb1, rb0, rb1 = _rect_spans(rb, second.kinds == RECTANGLE, win)
    area_a = (ca1 - ca0) * (ra1 - ra0)
    area_b = (cb1 - cb0) * (rb1 - rb0)
    inter = (np.maximum(np.minimum(ca1, cb1) - np.maximum(ca0, cb0), 0)
             * np.maximum(np.minimum(ra1, rb1) - np.maximum(ra0, rb0), 0))
    union = area_a + area_b - inter
    shaped = (first.kinds >= POLYGON) | (second.kinds >= POLYGON)
    for i in np.flatnonzero(shaped & ~degenerate & ~no_window):
        m1, m2 = rasterize(first, i, win[i]), rasterize(second, i, win[i])
        inter[i] = int(np.count_nonzero(m1 & m2))
        union[i] = int(np.count_nonzero(m1 | m2))
    with np.errstate(divide='ignore', invalid='ignore'):
        out = np.where(union > 0, inter / np.maximum(union, 1), 0.0)
    out[no_window] = 0.0
    if toolkit == '0.9.0':
        out[degenerate] = 1.0
    else:
        out[(first.kinds == SPECIAL) | (second.kinds == SPECIAL)] = 0.0
    return out.astype(np.float64)
