"""The tracking side of the VOT experiments, step for step as vot-toolkit
0.9.0 drives a tracker (``vot.experiment.multirun`` / ``multistart``).

* supervised (VOT2013-2019): initialise on frame 0; on every later frame
  the tracker's region is checked against the ground truth
  (``calculate_overlap`` bounded by the image); an overlap ``<=
  failure_overlap`` marks the frame ``2`` and the tracker is initialised
  again ``skip_initialize`` frames later (frames between stay ``0``),
  further on while the frame carries one of ``skip_tags``.
* multistart (VOT2020-2022): one run per anchor, from the anchor to the
  end (forward) or back to frame 0 (backward); line 0 is ``1``.
* unsupervised: initialise on frame 0, then report every frame.

A run is a :class:`TrackedRun`: regions (``1``/``2``/``0`` codes and
float32 ``x, y, w, h`` as the toolkit writes them), per-frame seconds and
confidences (``None`` where the toolkit stores none).
"""
import time
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np

from ..errors import InputError
from ..evaluation.functional.vot import (FAILURE, INITIALIZATION, UNKNOWN,
                                         Regions, region_overlaps)
from ..fileio.frames import read_frame
from ..fileio.vot import region_box
from ..models.trackers.stark_tracker import StarkTracker

__all__ = ['TrackedRun', 'FrameTracker', 'init_box', 'run_supervised',
           'run_frames']


@dataclass
class TrackedRun:
    """Regions, seconds and confidences of one run, one entry a frame."""
    regions: List[object]
    times: List[Optional[float]]
    confidences: List[Optional[float]]


def init_box(groundtruth: Sequence[object], frame: int,
             where: str) -> List[float]:
    """The box a tracker starts from on ``frame`` (see ``region_box``);
    an unknown or empty region cannot start a tracker (the toolkit's
    tracker would fail there too)."""
    box = region_box(groundtruth[frame])
    if not np.all(np.isfinite(box)) or box[2] <= 0 or box[3] <= 0:
        raise InputError(f'{where}: cannot initialise the tracker on frame '
                         f'{frame}: its ground truth is unknown or empty '
                         f'({groundtruth[frame]!r:.60})')
    return [float(v) for v in box]


class FrameTracker:
    """A :class:`StarkTracker` over one video's frame files, timed the way
    the toolkit times a TraX call (reading the frame not included)."""

    def __init__(self, tracker: StarkTracker, img_paths: Sequence[str]):
        self.tracker = tracker
        self.img_paths = img_paths
        self.state = None

    def _frame(self, index: int) -> np.ndarray:
        return cv2.cvtColor(read_frame(self.img_paths[index]),
                            cv2.COLOR_BGR2RGB)

    def initialize(self, index: int, box: Sequence[float]) -> float:
        """A fresh template from frame ``index``; returns seconds."""
        frame = self._frame(index)
        start = time.perf_counter()
        self.state = self.tracker.init(frame, box)
        return time.perf_counter() - start

    def update(self, index: int) -> Tuple[np.ndarray, float, float]:
        """``(float32 x, y, w, h, score, seconds)`` on frame ``index``."""
        frame = self._frame(index)
        start = time.perf_counter()
        out = self.tracker.track(frame, self.state)
        elapsed = time.perf_counter() - start
        return (np.asarray(out['box'], np.float32),
                float(out.get('score', -1.0)), elapsed)


def _failed(box: np.ndarray, gt: Regions, frame: int,
            size: Tuple[int, int], failure_overlap: float) -> bool:
    overlap = region_overlaps(Regions.from_list([box]),
                              gt.take([frame]), size)[0]
    return bool(overlap <= failure_overlap)


def run_supervised(tracker: FrameTracker, groundtruth: Sequence[object],
                   size: Tuple[int, int], skip_initialize: int,
                   failure_overlap: float = 0.0,
                   skip_tags: Optional[np.ndarray] = None,
                   where: str = '') -> TrackedRun:
    """One reset-based run (``skip_tags``: per-frame bool, frames the
    re-initialisation moves past)."""
    n = len(groundtruth)
    gt = Regions.from_list(groundtruth)
    run = TrackedRun([UNKNOWN] * n, [None] * n, [None] * n)
    frame = 0
    while frame < n:
        box = init_box(groundtruth, frame, where)
        run.times[frame] = tracker.initialize(frame, box)
        run.regions[frame] = INITIALIZATION
        frame += 1
        while frame < n:
            box, score, elapsed = tracker.update(frame)
            run.times[frame], run.confidences[frame] = elapsed, score
            if _failed(box, gt, frame, size, failure_overlap):
                run.regions[frame] = FAILURE
                frame += skip_initialize
                while skip_tags is not None and frame < n and \
                        skip_tags[frame]:
                    frame += 1
                break
            run.regions[frame] = box
            frame += 1
    return run


def run_frames(tracker: FrameTracker, groundtruth: Sequence[object],
               frames: Sequence[int], where: str = '') -> TrackedRun:
    """Initialise on ``frames[0]`` and report every later frame of
    ``frames`` (an anchor's proxy sequence, or all frames)."""
    n = len(frames)
    run = TrackedRun([INITIALIZATION] + [UNKNOWN] * (n - 1), [None] * n,
                     [None] * n)
    box = init_box(groundtruth, int(frames[0]), where)
    run.times[0] = tracker.initialize(int(frames[0]), box)
    for i in range(1, n):
        box, score, elapsed = tracker.update(int(frames[i]))
        run.regions[i] = box
        run.times[i], run.confidences[i] = elapsed, score
    return run

