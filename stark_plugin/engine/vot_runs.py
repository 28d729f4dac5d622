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
float32 ``x, y, w, h`` as the toolkit writes them, or with ``report_masks``
the box mask of a target that started from a mask), per-frame seconds and
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
from ..fileio.vot import VOTMask, VOTRegion, mask_from_box, region_box
from ..models.trackers.stark_tracker import StarkTracker

__all__ = ['TrackedRun', 'FrameTracker', 'init_box', 'reported_region',
           'run_supervised', 'run_frames']


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
        """``(x, y, w, h, score, seconds)`` on frame ``index`` (the box as
        the tracker gives it; it is reported in float32)."""
        frame = self._frame(index)
        start = time.perf_counter()
        out = self.tracker.track(frame, self.state)
        elapsed = time.perf_counter() - start
        return (np.asarray(out['box'], np.float64),
                float(out.get('score', -1.0)), elapsed)


def reported_region(box: Sequence[float], start: VOTRegion,
                    size: Tuple[int, int],
                    report_masks: bool = False) -> VOTRegion:
    """What a run reports for ``box``: float32 ``x, y, w, h``; with
    ``report_masks`` and a run that started from a mask region, the box's
    mask (``mask_from_box`` in a ``size = (W, H)`` image, from the box as
    the tracker gave it), as ``python -m stark_plugin.vot`` answers."""
    if report_masks and isinstance(start, VOTMask):
        return mask_from_box([float(v) for v in box], *size)
    return np.asarray(box, np.float32)


def _failed(region: VOTRegion, gt: Regions, frame: int,
            size: Tuple[int, int], failure_overlap: float) -> bool:
    overlap = region_overlaps(Regions.from_list([region]),
                              gt.take([frame]), size)[0]
    return bool(overlap <= failure_overlap)


def run_supervised(tracker: FrameTracker, groundtruth: Sequence[object],
                   size: Tuple[int, int], skip_initialize: int,
                   failure_overlap: float = 0.0,
                   skip_tags: Optional[np.ndarray] = None,
                   where: str = '', report_masks: bool = False) -> TrackedRun:
    """One reset-based run (``skip_tags``: per-frame bool, frames the
    re-initialisation moves past; ``report_masks``: see
    :func:`reported_region`, failures are judged on what is reported)."""
    n = len(groundtruth)
    gt = Regions.from_list(groundtruth)
    run = TrackedRun([UNKNOWN] * n, [None] * n, [None] * n)
    frame = 0
    while frame < n:
        box = init_box(groundtruth, frame, where)
        run.times[frame] = tracker.initialize(frame, box)
        run.regions[frame] = INITIALIZATION
        start = groundtruth[frame]
        frame += 1
        while frame < n:
            box, score, elapsed = tracker.update(frame)
            run.times[frame], run.confidences[frame] = elapsed, score
            region = reported_region(box, start, size, report_masks)
            if _failed(region, gt, frame, size, failure_overlap):
                run.regions[frame] = FAILURE
                frame += skip_initialize
                while skip_tags is not None and frame < n and \
                        skip_tags[frame]:
                    frame += 1
                break
            run.regions[frame] = region
            frame += 1
    return run


def run_frames(tracker: FrameTracker, groundtruth: Sequence[object],
               frames: Sequence[int], where: str = '',
               size: Optional[Tuple[int, int]] = None,
               report_masks: bool = False) -> TrackedRun:
    """Initialise on ``frames[0]`` and report every later frame of
    ``frames`` (an anchor's proxy sequence, or all frames);
    ``report_masks`` (with the image ``size``): see
    :func:`reported_region`."""
    if report_masks and size is None:
        raise ValueError('report_masks needs the image size')
    n = len(frames)
    run = TrackedRun([INITIALIZATION] + [UNKNOWN] * (n - 1), [None] * n,
                     [None] * n)
    start = groundtruth[int(frames[0])]
    box = init_box(groundtruth, int(frames[0]), where)
    run.times[0] = tracker.initialize(int(frames[0]), box)
    for i in range(1, n):
        box, score, elapsed = tracker.update(int(frames[i]))
        run.regions[i] = reported_region(box, start, size, report_masks)
        run.times[i], run.confidences[i] = elapsed, score
    return run
