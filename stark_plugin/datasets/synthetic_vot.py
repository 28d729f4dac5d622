"""Synthetic sequences in the VOT layout (the toolkit's ``sequences``
folder), drawn by :func:`stark_plugin.datasets.synthetic.render_video`.

Layout written::

    OUT/list.txt
    OUT/<seq>/sequence            channels.color, name, fps, width, height,
                                  length (key=value lines)
    OUT/<seq>/color/00000001.jpg ...
    OUT/<seq>/groundtruth.txt     rectangles, 4-point polygons or masks
    OUT/<seq>/anchor.value        1 forward / -1 backward anchor / 0
    OUT/<seq>/occlusion.tag       1 where the target is partly covered

The ground-truth kind cycles through ``regions`` per sequence.
"""
import os
import os.path as osp
from typing import List, Sequence, Tuple, Union

import cv2
import numpy as np

from stark_plugin.fileio.atomic import atomic_write_text
from stark_plugin.fileio.vot import VOTMask, format_region
from .synthetic import render_video

__all__ = ['REGION_KINDS', 'make_synthetic_vot', 'box_region']

REGION_KINDS = ('rectangle', 'polygon', 'mask')


def box_region(box: np.ndarray, kind: str, size: Tuple[int, int]):
    """A ground-truth region of ``kind`` for an ``x, y, w, h`` box: the
    rectangle, its four corners turned by 3 degrees about the centre, or
    the mask of its pixels (inside the image)."""
    x, y, w, h = (float(v) for v in box)
    if kind == 'rectangle':
        return np.array([x, y, w, h], np.float32)
    if kind == 'polygon':
        cx, cy, a = x + w / 2, y + h / 2, np.deg2rad(3.0)
        corners = np.array([[-w, -h], [w, -h], [w, h], [-w, h]]) / 2
        rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
        return (corners @ rot.T + [cx, cy]).astype(np.float32)
    if kind == 'mask':
        x0, y0 = max(int(round(x)), 0), max(int(round(y)), 0)
        x1 = min(int(round(x + w)), size[0])
        y1 = min(int(round(y + h)), size[1])
        return VOTMask(np.ones((max(y1 - y0, 0), max(x1 - x0, 0)),
                               np.uint8), (x0, y0))
    raise ValueError(f'region kind must be one of {REGION_KINDS}, got '
                     f'{kind!r}')


def _anchors(num_frames: int) -> List[int]:
    """Forward anchors at 0 and every 8th frame, a backward one at the
    last frame but one (VOT2020 has one about every 50 frames)."""
    out = [0] * num_frames
    for f in range(0, num_frames - 2, 8):
        out[f] = 1
    out[max(num_frames - 2, 1)] = -1
    return out


def _write(path: str, lines: Sequence[str]) -> None:
    atomic_write_text(path, ''.join(f'{line}\n' for line in lines))


def make_synthetic_vot(out_dir: str, num_videos: int,
                       num_frames: Union[int, Sequence[int]], seed: int = 0,
                       size: Tuple[int, int] = (160, 120),
                       regions: Sequence[str] = REGION_KINDS,
                       jpeg_quality: int = 90) -> List[str]:
    """Write ``num_videos`` sequences of ``num_frames`` frames (one number,
    or one per video; the target never absent); video ``i`` depends only
    on ``(seed, i)`` and its length. Returns the sequence names, as listed
    in ``OUT/list.txt``."""
    lengths = [num_frames] * num_videos if isinstance(num_frames, int) \
        else [int(n) for n in num_frames]
    if len(lengths) != num_videos or min(lengths) < 4:
        raise ValueError(f'{num_videos} videos of at least 4 frames each '
                         f'needed, got lengths {lengths}')
    names = [f'synth-{i + 1:02d}' for i in range(num_videos)]
    for i, (name, num) in enumerate(zip(names, lengths)):
        seq = osp.join(out_dir, name)
        os.makedirs(osp.join(seq, 'color'), exist_ok=True)
        rng = np.random.default_rng([seed, 7, i])
        frames, boxes, _, cover, _ = render_video(
            rng, num, size, with_absence=False)
        for t, frame in enumerate(frames):
            cv2.imwrite(osp.join(seq, 'color', f'{t + 1:08d}.jpg'), frame,
                        [cv2.IMWRITE_JPEG_QUALITY, jpeg_quality])
        kind = regions[i % len(regions)]
        _write(osp.join(seq, 'groundtruth.txt'),
               [format_region(box_region(b, kind, size)) for b in boxes])
        _write(osp.join(seq, 'anchor.value'),
               [str(a) for a in _anchors(num)])
        _write(osp.join(seq, 'occlusion.tag'),
               ['1' if c < 8 else '0' for c in cover])
        _write(osp.join(seq, 'sequence'), [
            'channels.color=color/%08d.jpg', 'format=default', 'fps=30',
            f'name={name}', f'width={size[0]}', f'height={size[1]}',
            f'length={num}'])
    _write(osp.join(out_dir, 'list.txt'), names)
    return names
