"""The generated sequences of the speed benchmark and the drift study,
drawn by :func:`stark_plugin.datasets.synthetic.render_video`."""
from typing import Callable, Dict, List, Tuple

import numpy as np

from stark_plugin.datasets.synthetic import render_video

FramesAndBoxes = Tuple[List[np.ndarray], List[List[float]]]


def generated_sequence(num_frames: int, height: int = 480,
                       width: int = 640, seed: int = 0,
                       style: str = 'lissajous') -> FramesAndBoxes:
    """BGR frames and xywh boxes of one generated video of a synthetic
    ``style``: 'lissajous' (a textured object on a Lissajous path that
    crosses the image border, so that padded crops occur), 'rich' (scale
    and aspect changes, blur, look-alikes, trips out of the frame: the
    style the tiny synthetic models are trained on) or 'basic'. Boxes of
    frames where the target is outside are ``[-1, -1, -1, -1]``."""
    frames, boxes, *_ = render_video(
        np.random.default_rng(seed), num_frames, size=(width, height),
        with_absence=False, style=style)
    return list(frames), [list(map(float, b)) for b in boxes]


def lissajous_sequence(num_frames: int, height: int = 480, width: int = 640,
                       seed: int = 0) -> FramesAndBoxes:
    """:func:`generated_sequence` in the 'lissajous' style."""
    return generated_sequence(num_frames, height, width, seed, 'lissajous')


def rich_sequence(num_frames: int, height: int = 480, width: int = 640,
                  seed: int = 0) -> FramesAndBoxes:
    """:func:`generated_sequence` in the 'rich' style."""
    return generated_sequence(num_frames, height, width, seed, 'rich')


def basic_sequence(num_frames: int, height: int = 480, width: int = 640,
                   seed: int = 0) -> FramesAndBoxes:
    """:func:`generated_sequence` in the 'basic' style."""
    return generated_sequence(num_frames, height, width, seed, 'basic')


#: generated sequences of :func:`benchmark` and :func:`drift_study`, by
#: the name ``--sequence`` takes.
SEQUENCES: Dict[str, Callable[..., FramesAndBoxes]] = dict(
    lissajous=lissajous_sequence, rich=rich_sequence, basic=basic_sequence)


def check_sequence_name(sequence: str) -> None:
    """Raise ValueError for a name that is not in :data:`SEQUENCES`."""
    if sequence not in SEQUENCES:
        raise ValueError(f'unknown sequence {sequence!r}; choose from '
                         f'{tuple(SEQUENCES)}')
