"""Small generated sequences in the VOT folder format, to try the toolkit
integration without a download.

Each sequence is one video of :func:`stark_plugin.datasets.synthetic.
render_video` (target always present) written as::

    ROOT/list.txt
    ROOT/<name>/sequence          channels.color, fps, name, width, height
    ROOT/<name>/color/00000001.jpg ...
    ROOT/<name>/groundtruth.txt   rectangles, or masks (the box filled,
                                  as VOT2020 ground truth is given)
    ROOT/<name>/anchor.value      1 on the multistart anchors, else 0
"""
import os
import os.path as osp
from typing import List, Tuple

import cv2
import numpy as np

from ..datasets.synthetic import render_video
from ..fileio.atomic import atomic_write_text
from ..fileio.vot import write_trajectory
from .regions import mask_from_box

__all__ = ['write_synthetic_vot_sequences']


def _write_sequence(folder: str, name: str, rng: np.random.Generator,
                    num_frames: int, size: Tuple[int, int], masks: bool,
                    anchor_every: int) -> None:
    frames, boxes, *_ = render_video(rng, num_frames, size,
                                     with_absence=False)
    os.makedirs(osp.join(folder, 'color'), exist_ok=True)
    for i, frame in enumerate(frames):
        cv2.imwrite(osp.join(folder, 'color', f'{i + 1:08d}.jpg'), frame)
    width, height = size
    regions = [mask_from_box(box, width, height) if masks else
               np.asarray(box, np.float32) for box in boxes]
    write_trajectory(osp.join(folder, 'groundtruth.txt'), regions)
    anchors = ['1' if i % anchor_every == 0 else '0'
               for i in range(num_frames)]
    atomic_write_text(osp.join(folder, 'anchor.value'),
                      '\n'.join(anchors) + '\n')
    atomic_write_text(osp.join(folder, 'sequence'), '\n'.join([
        'channels.color=color/%08d.jpg', 'fps=30', 'format=default',
        f'name={name}', f'width={width}', f'height={height}']) + '\n')


def write_synthetic_vot_sequences(root: str, num_sequences: int = 2,
                                  num_frames: int = 30,
                                  size: Tuple[int, int] = (160, 120),
                                  masks: bool = False, anchor_every: int = 10,
                                  seed: int = 0) -> List[str]:
    """Write ``num_sequences`` sequences and ``list.txt`` under ``root``;
    sequence ``i`` depends only on ``(seed, i)`` and the sizes. Returns the
    sequence names."""
    if num_sequences < 1 or num_frames < 2 or anchor_every < 1:
        raise ValueError('need at least 1 sequence, 2 frames and '
                         f'anchor_every >= 1, got {num_sequences}, '
                         f'{num_frames}, {anchor_every}')
    names = [f'synthetic{i + 1:02d}' for i in range(num_sequences)]
    for i, name in enumerate(names):
        _write_sequence(osp.join(root, name), name,
                        np.random.default_rng([seed, i]), num_frames, size,
                        masks, anchor_every)
    atomic_write_text(osp.join(root, 'list.txt'), '\n'.join(names) + '\n')
    return names
