"""Timing of the tracking step: summaries, peak memory, timed calls and
runs of one or several inferencers over a sequence (interleaved in
blocks, so that a change of machine load affects every path alike).

Timings are medians after a warm-up; CUDA work is synchronised.
"""
import os
import threading
import time
from typing import Callable, Dict, List, Sequence, Union

import numpy as np
import torch

from stark_plugin.apis.inference import SOTInferencer


def summarize(seconds: Sequence[float]) -> Dict[str, float]:
    """``median_ms``, ``p90_ms``, ``mean_ms``, ``fps`` (1 / median)."""
    ms = np.asarray(seconds, dtype=np.float64) * 1e3
    med = float(np.median(ms))
    return dict(
        median_ms=med,
        p90_ms=float(np.percentile(ms, 90)),
        mean_ms=float(ms.mean()),
        fps=1e3 / med if med > 0 else float('inf'),
        n=int(ms.size))


def _rss_bytes() -> int:
    try:
        with open('/proc/self/statm') as f:
            return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')
    except (OSError, ValueError):
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class PeakMemory:
    """Peak memory during a block: CUDA allocator peak on a GPU, else the
    process resident set sampled every 2 ms (MiB)."""

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.peak_mb = 0.0
        self._stop = threading.Event()

    def __enter__(self) -> 'PeakMemory':
        if self.device.type == 'cuda':
            torch.cuda.reset_peak_memory_stats(self.device)
        else:
            self._peak = _rss_bytes()
            self._thread = threading.Thread(target=self._poll, daemon=True)
            self._thread.start()
        return self

    def _poll(self) -> None:
        while not self._stop.wait(0.002):
            self._peak = max(self._peak, _rss_bytes())

    def __exit__(self, *exc) -> None:
        if self.device.type == 'cuda':
            self.peak_mb = torch.cuda.max_memory_allocated(
                self.device) / 2**20
        else:
            self._stop.set()
            self._thread.join()
            self.peak_mb = max(self._peak, _rss_bytes()) / 2**20


def sync(device: torch.device) -> None:
    """Wait for the queued CUDA work of ``device`` (nothing on a CPU)."""
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def time_fn(fn: Callable[[], object], device: torch.device, repeats: int,
            warmup: int = 2) -> Dict[str, float]:
    """Summary of ``repeats`` timed calls after ``warmup`` calls."""
    for _ in range(warmup):
        fn()
    sync(device)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        sync(device)
        times.append(time.perf_counter() - start)
    return summarize(times)


def time_init(inferencer: SOTInferencer, frame: np.ndarray,
              box: Sequence[float], device: torch.device,
              repeats: int) -> Dict[str, float]:
    """Summary of ``repeats`` initialisations of one target (each after a
    reset of the inferencer)."""
    times = []
    for _ in range(repeats):
        inferencer.reset()
        sync(device)
        start = time.perf_counter()
        inferencer.init(frame, box)
        sync(device)
        times.append(time.perf_counter() - start)
    return summarize(times)


def run_sequence(inferencer: SOTInferencer, frames: Sequence[np.ndarray],
                 init_boxes: Sequence[Sequence[float]],
                 device: torch.device) -> Dict[str, object]:
    """Init every box on ``frames[0]``, track the rest; seconds of the
    init, per-frame seconds, boxes and scores of each target."""
    return run_interleaved(dict(path=inferencer), frames, init_boxes,
                           device)['path']


def _timed_step(inferencer: SOTInferencer, frame: np.ndarray,
                device: torch.device, run: Dict[str, list]) -> None:
    """Track ``frame``; append its seconds, boxes and scores to ``run``."""
    start = time.perf_counter()
    result = inferencer.track(frame)
    sync(device)
    run['times'].append(time.perf_counter() - start)
    run['boxes'].append([t['box'] for t in result['targets']])
    run['scores'].append([t['score'] for t in result['targets']])


def _timed_init(inferencer: SOTInferencer, frame: np.ndarray,
                boxes: Sequence[Sequence[float]],
                device: torch.device) -> Dict[str, list]:
    """Reset, init every box on ``frame``: a run with its ``init_s``."""
    inferencer.reset()
    sync(device)
    start = time.perf_counter()
    for box in boxes:
        inferencer.init(frame, box)
    sync(device)
    return dict(init_s=time.perf_counter() - start, times=[], boxes=[],
                scores=[])


def run_interleaved(inferencers: Dict[str, SOTInferencer],
                    frames: Sequence[np.ndarray],
                    init_boxes: Union[Sequence[Sequence[float]],
                                      Dict[str, Sequence[Sequence[float]]]],
                    device: torch.device, block: int = 10
                    ) -> Dict[str, dict]:
    """:func:`run_sequence` for several inferencers, interleaved in blocks
    of ``block`` frames (rotating the order), so that a change of machine
    load during the run affects every path alike and the ratios stay
    meaningful. Blocks rather than single frames: right after another path
    ran, a step pays for that path's leftovers (its thread pool still
    spinning, its weights in the caches); with blocks only the first step
    of each block does, and the median ignores it.

    ``init_boxes``: the boxes every path starts from, or a dict of them
    per path name."""
    names = list(inferencers)
    out: Dict[str, dict] = {}
    for name in names:
        boxes = init_boxes[name] if isinstance(init_boxes, dict) \
            else init_boxes
        out[name] = _timed_init(inferencers[name], frames[0], boxes, device)
    steps: List[np.ndarray] = list(frames[1:])
    block = max(1, int(block))
    for b, first in enumerate(range(0, len(steps), block)):
        for j in range(len(names)):
            name = names[(b + j) % len(names)]
            for frame in steps[first:first + block]:
                _timed_step(inferencers[name], frame, device, out[name])
    for run in out.values():
        run['boxes'] = np.asarray(run['boxes'])
        run['scores'] = np.asarray(run['scores'])
    return out


def run_paired(single: SOTInferencer, multi: SOTInferencer,
               frames: Sequence[np.ndarray], init_box: Sequence[float],
               boxes: Sequence[Sequence[float]], device: torch.device,
               block: int = 10) -> Dict[str, object]:
    """One target (``single``) and ``boxes`` in one batch (``multi``)
    tracked through ``frames``, alternating in blocks of ``block`` frames
    (:func:`run_interleaved`) so that both see the same machine load:
    per-frame seconds of each and the seconds of initialising all of
    ``boxes``."""
    runs = run_interleaved(dict(single=single, multi=multi), frames,
                           dict(single=[init_box], multi=boxes), device,
                           block)
    return dict(init_s=runs['multi']['init_s'],
                single_times=runs['single']['times'],
                multi_times=runs['multi']['times'])
