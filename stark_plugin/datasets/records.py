"""Video records: the one definition of a frame's path and of the official
"usable video" rule, shared by the datasets and the frame samplers.

A video record is a dict with ``num_frames``, ``img_dir``, either
``img_fmt`` (``str.format`` pattern of a frame number) with
``frame_start`` (number of frame 0) or ``img_names`` (explicit list),
``gt_bboxes`` and ``visible`` (see
:class:`~stark_plugin.datasets.BaseSOTDataset`).

During training the record also carries ``frame_source``: an object with
``sample_random_frame() -> dict or None`` (a dataset, or the mixing
wrapper) from which the stage-2 negative of a video without invisible
frames is drawn.
"""
import os.path as osp
from typing import Optional

import numpy as np

__all__ = ['MIN_VIDEO_LENGTH', 'frame_path', 'video_usable']

#: the official STARK sampler uses no video shorter than this (frames)
MIN_VIDEO_LENGTH = 20


def frame_path(record: dict, frame_id: int) -> str:
    """Path of frame ``frame_id`` (0-based) of a video record."""
    names = record.get('img_names')
    if names is not None:
        return osp.join(record['img_dir'], names[frame_id])
    return osp.join(record['img_dir'],
                    record['img_fmt'].format(frame_id + record['frame_start']))


def video_usable(visible: Optional[np.ndarray], num_frames: int,
                 frames_per_sample: int) -> bool:
    """The official rule for training on a video: more than ``2 *
    frames_per_sample`` visible frames (templates + search) and at least
    :data:`MIN_VIDEO_LENGTH` frames; a video without visibility is not
    used."""
    if visible is None:
        return False
    return (int(np.sum(visible)) > 2 * frames_per_sample
            and num_frames >= MIN_VIDEO_LENGTH)
