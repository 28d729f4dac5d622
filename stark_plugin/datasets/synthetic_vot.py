"""Synthetic sequences in the VOT layout (the toolkit's ``sequences``
folder), drawn by :func:`stark_plugin.datasets.synthetic.render_video`
(target always present), written with the readers' own writers
(:mod:`stark_plugin.fileio.vot`)::

    OUT/list.txt
    OUT/<seq>/sequence            channels.color, fps, format, name, width,
                                  height, length (``length=True``; without
                                  it the toolkit counts the images)
    OUT/<seq>/color/00000001.jpg ...
    OUT/<seq>/groundtruth.txt     rectangles, 4-point polygons or masks
    OUT/<seq>/anchor.value        1 forward / -1 backward anchor / 0
    OUT/<seq>/occlusion.tag       1 where the target is partly covered
                                  (``tags=True``)

The ground-truth kind cycles through ``regions`` per sequence.
"""
import os
import os.path as osp
from typing import List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np

from stark_plugin.fileio.vot import (VOTMask, mask_from_box,
                                     write_frame_values, write_sequence_list,
                                     write_sequence_properties,
                                     write_trajectory)
from .synthetic import render_video

__all__ = ['REGION_KINDS', 'make_synthetic_vot', 'box_region',
           'anchor_values']

REGION_KINDS = ('rectangle', 'polygon', 'mask')


def box_region(box: np.ndarray, kind: str, size: Tuple[int, int],
               decimals: Optional[int] = None
               ) -> Union[np.ndarray, VOTMask]:
    """A ground-truth region of ``kind`` for an ``x, y, w, h`` box: the
    rectangle, its four corners turned by 3 degrees about the centre, or
    the mask of its pixels (:func:`~stark_plugin.fileio.vot.mask_from_box`,
    inside the image). ``decimals``: rectangle and polygon values rounded
    to that many decimals (VOT's ground-truth files have 2)."""
    x, y, w, h = (float(v) for v in box)
    if kind == 'mask':
        return mask_from_box([x, y, w, h], *size)
    if kind == 'rectangle':
        values = np.array([x, y, w, h])
    elif kind == 'polygon':
        cx, cy, a = x + w / 2, y + h / 2, np.deg2rad(3.0)
        corners = np.array([[-w, -h], [w, -h], [w, h], [-w, h]]) / 2
        rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
        values = corners @ rot.T + [cx, cy]
    else:
        raise ValueError(f'region kind must be one of {REGION_KINDS}, got '
                         f'{kind!r}')
    if decimals is not None:
        values = np.round(values, decimals)
    return values.astype(np.float32)


def anchor_values(num_frames: int, every: int,
                  backward: bool) -> List[int]:
    """``anchor.value`` of a sequence: forward anchors (``1``) on every
    ``every``-th frame from 0; with ``backward``, a backward anchor (``-1``)
    on the last frame but one, and no forward anchor from there on (VOT2020
    has an anchor about every 50 frames)."""
    if every < 1:
        raise ValueError(f'anchors need every >= 1, got {every}')
    last = max(num_frames - 2, 1) if backward else num_frames
    out = [1 if f % every == 0 and f < last else 0
           for f in range(num_frames)]
    if backward:
        out[last] = -1
    return out


def make_synthetic_vot(out_dir: str, num_videos: int,
                       num_frames: Union[int, Sequence[int]], seed: int = 0,
                       size: Tuple[int, int] = (160, 120),
                       regions: Sequence[str] = REGION_KINDS,
                       anchor_every: int = 8, backward_anchor: bool = True,
                       tags: bool = True, length: bool = True,
                       jpeg_quality: int = 90,
                       decimals: Optional[int] = None) -> List[str]:
    """Write ``num_videos`` sequences ``synthetic01, synthetic02, ...`` of
    ``num_frames`` frames (one number, or one per video) and ``list.txt``;
    video ``i`` depends only on ``(seed, i)``, its length and ``size``.
    ``regions``: the ground-truth kind of each video, cycled;
    ``anchor_every``, ``backward_anchor``: see :func:`anchor_values`;
    ``tags``: write ``occlusion.tag``; ``length``: give the length in the
    ``sequence`` file; ``decimals``: see :func:`box_region`. Returns the
    sequence names."""
    lengths = [num_frames] * num_videos if isinstance(num_frames, int) \
        else [int(n) for n in num_frames]
    if num_videos < 1 or len(lengths) != num_videos or min(lengths) < 2:
        raise ValueError(f'{num_videos} videos (at least 1) of at least 2 '
                         f'frames each needed, got lengths {lengths}')
    names = [f'synthetic{i + 1:02d}' for i in range(num_videos)]
    for i, (name, num) in enumerate(zip(names, lengths)):
        seq = osp.join(out_dir, name)
        os.makedirs(osp.join(seq, 'color'), exist_ok=True)
        frames, boxes, _, cover, _ = render_video(
            np.random.default_rng([seed, i]), num, size, with_absence=False)
        for t, frame in enumerate(frames):
            cv2.imwrite(osp.join(seq, 'color', f'{t + 1:08d}.jpg'), frame,
                        [cv2.IMWRITE_JPEG_QUALITY, jpeg_quality])
        kind = regions[i % len(regions)]
        write_trajectory(osp.join(seq, 'groundtruth.txt'),
                         [box_region(b, kind, size, decimals) for b in boxes])
        write_frame_values(osp.join(seq, 'anchor.value'),
                           anchor_values(num, anchor_every, backward_anchor))
        if tags:
            write_frame_values(osp.join(seq, 'occlusion.tag'),
                               [int(c < 8) for c in cover])
        properties = {'channels.color': 'color/%08d.jpg', 'fps': 30,
                      'format': 'default', 'name': name, 'width': size[0],
                      'height': size[1]}
        if length:
            properties['length'] = num
        write_sequence_properties(seq, properties)
    write_sequence_list(out_dir, names)
    return names
