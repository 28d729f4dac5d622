"""VOT regions and the toolkit's trajectory files.

Regions come back as plain values: ``int`` special code (``1`` init, ``2``
failure, ``0`` unknown; a ``nan`` line is code 0, as vot-toolkit parses it),
``(4,)`` float32 ``x, y, w, h``, ``(K, 2)`` float32 polygon points, or
:class:`VOTMask`. Trajectory files are text (one region a line) or the
toolkit's binary format (``VOT_RESULTS_BINARY``, little endian)::

    header   int16 version (= 1), uint32 number of regions
    region   uint8 type, then
             0 special    uint32 code
             1 rectangle  float32 x, y, w, h
             2 polygon    uint16 n, n x (float32 x, float32 y)
             3 mask       int16 x0, int16 y0, uint16 w, uint16 h, uint16 n,
                          n x uint16 RLE (runs of 0s, 1s, ... row-major;
                          runs longer than 255 * 255 split by a 0 run)
             4 point      float32 x, y (NotImplementedError here)

A file is binary when its first two bytes are that version (``01 00``), as
the toolkit decides. Malformed input raises ``ValueError`` naming the file
and the 1-based line (text) or region (binary).
"""
import os.path as osp
import struct
from dataclasses import dataclass
from typing import Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np

from ...errors import AnnotationError
from ..atomic import atomic_path

__all__ = [
    'VOTMask', 'VOTRegion', 'parse_region', 'format_region', 'text_lines',
    'read_trajectory', 'write_trajectory', 'region_box', 'mask_from_box'
]

_MAGIC = struct.pack('<h', 1)
_TEXT_STRIDE, _BINARY_STRIDE = 100000000, 255 * 255


@dataclass(frozen=True, eq=False)
class VOTMask:
    """A binary mask (uint8 0/1, ``(h, w)``) placed at ``offset = (x, y)``."""
    mask: np.ndarray
    offset: Tuple[int, int] = (0, 0)


VOTRegion = Union[int, np.ndarray, VOTMask]


def _rle_decode(rle: np.ndarray, w: int, h: int) -> np.ndarray:
    if (rle < 0).any() or rle.sum() > w * h:
        raise AnnotationError(f'mask RLE covers {rle.sum()} pixels of a '
                              f'{w}x{h} mask or has negative runs')
    ends = np.cumsum(rle)
    flat = np.zeros(w * h + 1, np.int64)
    np.add.at(flat, ends[0::2][:len(rle[1::2])], 1)
    np.add.at(flat, ends[1::2], -1)
    return (np.cumsum(flat[:-1]) > 0).astype(np.uint8).reshape(h, w)


def _rle_encode(mask: np.ndarray, stride: int) -> List[int]:
    flat = (np.asarray(mask) != 0).reshape(-1).astype(np.int8)
    if flat.size == 0:
        return [0]
    cuts = np.flatnonzero(np.diff(flat)) + 1
    runs = np.diff(np.concatenate([[0], cuts, [flat.size]])).tolist()
    out = [0] if flat[0] else []
    for run in runs:
        while run > stride:
            out += [stride, 0]
            run -= stride
        out.append(run)
    return out


def parse_region(text: str, where: str = '<string>') -> VOTRegion:
    """One text line -> region; ``where`` (``file:line``) names errors."""
    text = text.strip()
    if not text:
        raise AnnotationError(f'{where}: empty line')
    try:
        if text[0] == 'm':
            nums = [int(t) for t in text[1:].split(',')]
            if len(nums) < 4 or min(nums[2:4]) < 0:
                raise AnnotationError(
                    'a mask needs x,y,w,h (w, h >= 0) and RLE')
            mask = _rle_decode(np.array(nums[4:], np.int64), *nums[2:4])
            return VOTMask(mask, (nums[0], nums[1]))
        vals = np.array([float(t) for t in text.split(',')])
    except ValueError as err:
        raise AnnotationError(f'{where}: cannot parse {text[:60]!r}: {err}') \
            from None
    if np.isinf(vals).any():
        raise AnnotationError(f'{where}: infinite value in {text[:60]!r}')
    if len(vals) == 1:
        if np.isnan(vals[0]) or vals[0] != int(vals[0]):
            raise AnnotationError(f'{where}: a special code must be an '
                                  f'integer, got {text!r}')
        return int(vals[0])
    if len(vals) == 2:
        raise NotImplementedError(f'{where}: point regions (2 values) are '
                                  'not supported')
    if len(vals) != 4 and (len(vals) < 6 or len(vals) % 2):
        raise AnnotationError(f'{where}: {len(vals)} values; expected 1 '
                              '(code), 4 (x,y,w,h) or an even number >= 6 '
                              '(polygon)')
    if np.isnan(vals).any():
        return 0
    vals = vals.astype(np.float32)
    return vals if len(vals) == 4 else vals.reshape(-1, 2)


def format_region(region: VOTRegion) -> str:
    """A region as the toolkit writes it (``str(region)``)."""
    if isinstance(region, VOTMask):
        h, w = np.asarray(region.mask).shape
        rle = ','.join(str(v) for v in _rle_encode(region.mask, _TEXT_STRIDE))
        return 'm%d,%d,%d,%d,%s' % (*region.offset, w, h, rle)
    arr = np.asarray(region)
    if arr.ndim == 0 or arr.size == 1:
        return str(int(arr.reshape(-1)[0]))
    arr = arr.astype(np.float32)
    if arr.shape == (4, ):
        return ','.join(str(float(v)) for v in arr)
    return ','.join(str(v) for v in arr.reshape(-1))


def _read_binary(data: bytes, path: str) -> List[VOTRegion]:
    pos = 0

    def take(fmt: str, what: str) -> tuple:
        nonlocal pos
        size = struct.calcsize(fmt)
        if pos + size > len(data):
            raise AnnotationError(
                f'{path}: truncated binary trajectory at {what}')
        pos += size
        return struct.unpack_from(fmt, data, pos - size)

    _, count = take('<hI', 'the header')
    out: List[VOTRegion] = []
    for k in range(1, count + 1):
        kind, = take('<B', f'region {k}')
        if kind == 0:
            out.append(int(take('<I', f'region {k}')[0]))
        elif kind == 1:
            out.append(np.array(take('<ffff', f'region {k}'), np.float32))
        elif kind == 2:
            n, = take('<H', f'region {k}')
            pts = take(f'<{2 * n}f', f'region {k}')
            out.append(np.array(pts, np.float32).reshape(-1, 2))
        elif kind == 3:
            x0, y0, w, h, n = take('<hhHHH', f'region {k}')
            rle = np.array(take(f'<{n}H', f'region {k}'), np.int64)
            try:
                out.append(VOTMask(_rle_decode(rle, w, h), (x0, y0)))
            except ValueError as err:
                raise AnnotationError(f'{path}: region {k}: {err}') from None
        elif kind == 4:
            raise NotImplementedError(f'{path}: region {k}: point regions '
                                      'are not supported')
        else:
            raise AnnotationError(f'{path}: region {k}: unknown region type '
                                  f'{kind} (0-4)')
    if pos != len(data):
        raise AnnotationError(f'{path}: {len(data) - pos} bytes after region '
                              f'{count}')
    return out


def _write_binary(regions: Iterable[VOTRegion]) -> bytes:
    regions = list(regions)
    parts = [struct.pack('<hI', 1, len(regions))]
    for region in regions:
        if isinstance(region, VOTMask):
            h, w = np.asarray(region.mask).shape
            rle = _rle_encode(region.mask, _BINARY_STRIDE)
            parts.append(struct.pack(f'<BhhHHH{len(rle)}H', 3, *region.offset,
                                     w, h, len(rle), *rle))
            continue
        arr = np.asarray(region)
        if arr.ndim == 0 or arr.size == 1:
            parts.append(struct.pack('<BI', 0, int(arr.reshape(-1)[0])))
        elif arr.shape == (4, ):
            parts.append(struct.pack('<Bffff', 1, *arr.astype(np.float32)))
        else:
            pts = arr.astype(np.float32).reshape(-1)
            parts.append(struct.pack(f'<BH{len(pts)}f', 2, len(pts) // 2,
                                     *pts))
    return b''.join(parts)


def text_lines(path: str) -> List[str]:
    """The lines of a VOT text file (``FileNotFoundError`` if missing)."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: no such file')
    with open(path, encoding='utf-8') as f:
        return f.read().splitlines()


def read_trajectory(path: str) -> List[VOTRegion]:
    """A text or binary trajectory (or ground truth) file."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: no such file')
    with open(path, 'rb') as f:
        data = f.read()
    if data[:2] == _MAGIC:
        return _read_binary(data, path)
    return [parse_region(line, f'{path}:{i}')
            for i, line in enumerate(text_lines(path), 1)]


def write_trajectory(path: str, regions: Iterable[VOTRegion],
                     binary: Optional[bool] = None) -> None:
    """Write regions as text (default) or binary (``binary=True`` or a
    ``.bin`` path, the toolkit's rule), atomically (a reader never sees a
    partial file); creates the parent folder."""
    binary = path.endswith('.bin') if binary is None else binary
    with atomic_path(path) as tmp:
        if binary:
            with open(tmp, 'wb') as f:
                f.write(_write_binary(regions))
        else:
            with open(tmp, 'w', encoding='utf-8', newline='\n') as f:
                f.writelines(format_region(r) + '\n' for r in regions)


def region_box(region: VOTRegion) -> np.ndarray:
    """float64 ``x, y, w, h`` of a region as a tracker is initialised with
    it: a rectangle as it is; a polygon's extent (``max - min``, the
    toolkit's polygon-to-rectangle conversion); a mask's pixel bounding box
    (``x1 - x0 + 1``, as the official STARK VOT entry computes it). NaNs for
    a special code or an empty mask."""
    if isinstance(region, VOTMask):
        m = np.asarray(region.mask) != 0
        rows, cols = np.flatnonzero(m.any(1)), np.flatnonzero(m.any(0))
        if len(rows) == 0:
            return np.full(4, np.nan)
        return np.array([region.offset[0] + cols[0],
                         region.offset[1] + rows[0],
                         cols[-1] - cols[0] + 1, rows[-1] - rows[0] + 1],
                        np.float64)
    arr = np.asarray(region, np.float64)
    if arr.size == 1:
        return np.full(4, np.nan)
    if arr.shape == (4, ):
        return arr.copy()
    pts = arr.reshape(-1, 2)
    lo, hi = pts.min(0), pts.max(0)
    return np.array([lo[0], lo[1], hi[0] - lo[0], hi[1] - lo[1]])


def mask_from_box(box: Sequence[float], width: int, height: int) -> VOTMask:
    """The box as a filled mask (cropped to its pixels, with an offset):
    the pixels ``[round(y), round(y + h))`` x ``[round(x), round(x + w))``
    (Python's ``round``) clipped to a ``width`` x ``height`` image, as the
    official STARK VOT2020 entry reports boxes as masks; an empty mask
    (1x1, 0) when nothing of it is inside."""
    x0 = max(int(round(box[0])), 0)
    y0 = max(int(round(box[1])), 0)
    x1 = min(int(round(box[0] + box[2])), int(width))
    y1 = min(int(round(box[1] + box[3])), int(height))
    if x1 <= x0 or y1 <= y0:
        return VOTMask(np.zeros((1, 1), np.uint8), (0, 0))
    return VOTMask(np.ones((y1 - y0, x1 - x0), np.uint8), (x0, y0))
