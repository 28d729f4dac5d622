"""Speed benchmark of the tracking step (``tools/analysis/benchmark.py``);
internals of the analysis tool, not part of the inference API.

Everything runs through :class:`SOTInferencer` on a generated sequence
(:mod:`.sequences`; by default a textured object crossing the image border,
so that padded crops occur):

* the naive path (``cache_templates=False, fast=False``: full forward each
  frame, per-frame preprocessing, nothing cached) is the baseline;
* each backend (``torch``, ``torch-bf16``, ``onnxruntime``,
  ``onnxruntime-int8``): ``init`` and the end-to-end tracking step (median /
  p90 ms, fps, peak memory), the step's parts timed on the same inputs
  (:mod:`.parts`), speed-up against the naive path, and the drift of its
  boxes / scores against fp32 (:mod:`.drift`);
* with ``targets > 1``: target-frames per second of the batched
  multi-target path;
* the roofline view (:mod:`.roofline`): a peak probe of the machine with the
  threads used, the counted FLOPs of each part, the achieved GFLOP/s of each
  part and path and its fraction of the peak;
* the drift control (:func:`.drift.closed_loop_control`).

Paths are timed in one run, interleaved in blocks of frames
(:func:`.timing.run_interleaved`); optionally beside busy background
processes (:func:`.load.background_load`).
"""
import tempfile
from dataclasses import dataclass
from typing import (Callable, Dict, List, Optional, Sequence, Tuple)

import numpy as np
import torch

from stark_plugin.apis.inference import SOTInferencer
from stark_plugin.structures.bbox import box_iou_xywh
from .backends import benchmark_paths, check_backends, export_graphs
from .drift import closed_loop_control, drift_stats, open_loop_drift
from .environment import environment
from .load import background_load as busy_processes
from .parts import step_parts
from .roofline import add_roofline, peak_probe, step_flops
from .sequences import SEQUENCES, check_sequence_name
from .timing import (PeakMemory, run_interleaved, run_paired, run_sequence,
                     summarize, time_init)


@dataclass
class _Run:
    """What every measurement of one benchmark run needs."""
    model: torch.nn.Module
    device: torch.device
    frames: List[np.ndarray]
    init_box: List[float]
    gt: Optional[np.ndarray]
    warmup: int
    part_repeats: int
    log: Callable[[str], None]

    @property
    def timed_frames(self) -> List[np.ndarray]:
        """The first frame (init) and the frames after the warm-up."""
        return [self.frames[0]] + self.frames[self.warmup + 1:]


def _frames_to_track(frames, num_frames: int, warmup: int, sequence: str,
                     frame_size: Tuple[int, int]):
    """``(frames, init_box, ground truth or None, frame_size)``: the given
    ``(bgr_frames, init_box)`` or a generated ``sequence``."""
    needed = num_frames + warmup + 1
    if frames is not None:
        frames, init_box = list(frames[0]), list(frames[1])
        if len(frames) < needed:
            raise ValueError(f'the sequence has {len(frames)} frames; '
                             f'{num_frames} measured + {warmup} warm-up '
                             f'steps need {needed}')
        frames = frames[:needed]
        return frames, init_box, None, tuple(frames[0].shape[:2])
    check_sequence_name(sequence)
    frames, gt = SEQUENCES[sequence](needed, *frame_size)
    if gt[0][2] <= 0 or gt[0][3] <= 0:
        raise ValueError(f'the {sequence} sequence starts without a target')
    return frames, gt[0], np.asarray(gt), frame_size


def _measure_path(run: _Run, name: str, kwargs: dict,
                  results: Dict[str, dict]) -> SOTInferencer:
    """Warm-up (with peak memory), init and parts of one path."""
    run.log(f'[{name}] warm-up, init, parts ...')
    inf = SOTInferencer(run.model, **kwargs)
    # warm-up: first calls allocate, pick kernels, fill caches
    with PeakMemory(run.device) as mem:
        run_sequence(inf, run.frames[:run.warmup + 1], [run.init_box],
                     run.device)
    results[name] = dict(
        init=time_init(inf, run.frames[0], run.init_box, run.device,
                       max(3, run.part_repeats // 2)),
        parts=step_parts(inf, run.frames[1], run.init_box, run.device,
                         run.part_repeats),
        peak_mem_mb=mem.peak_mb)
    return inf


def _time_steps(run: _Run, inferencers: Dict[str, SOTInferencer],
                results: Dict[str, dict]) -> Dict[str, dict]:
    """The tracking steps of every path, interleaved in blocks of 10
    frames; the step summary and the IoU to the ground truth."""
    run.log('tracking steps, paths interleaved in blocks of 10 frames ...')
    runs = run_interleaved(inferencers, run.timed_frames, [run.init_box],
                           run.device)
    for name, steps in runs.items():
        entry = results[name]
        entry['step'] = summarize(steps['times'])
        # does the tracker follow the object? (closed-loop drift of a
        # path that lost it measures divergence, not numerics)
        if run.gt is not None:
            truth = run.gt[run.warmup + 1:]
            seen = truth[:, 2] > 0
            entry['iou_to_truth'] = float(box_iou_xywh(
                steps['boxes'][seen, 0], truth[seen]).mean())
        run.log(f'[{name}] step median {entry["step"]["median_ms"]:.1f} ms'
                f', p90 {entry["step"]["p90_ms"]:.1f} ms')
    return runs


def _add_speedups(results: Dict[str, dict]) -> None:
    """Speed-up and latency ratio of every path against the naive one."""
    if 'naive' not in results:
        return
    base = results['naive']['step']['median_ms']
    for entry in results.values():
        entry['speedup_vs_naive'] = base / entry['step']['median_ms']
        entry['latency_ratio_vs_naive'] = entry['step']['median_ms'] / base


def _add_drift(run: _Run, inferencers: Dict[str, SOTInferencer],
               runs: Dict[str, dict], report: Dict[str, object],
               control_shift_px: float) -> None:
    """Closed- and open-loop drift of every path against fp32 ``torch``
    (else the naive path), and the drift control of that reference."""
    ref_name = 'torch' if 'torch' in runs else (
        'naive' if 'naive' in runs else None)
    if ref_name is None:
        return
    ref = runs[ref_name]
    for name, steps in runs.items():
        if name == ref_name:
            continue
        drift = drift_stats(steps['boxes'], steps['scores'], ref['boxes'],
                            ref['scores'])
        drift['reference'] = ref_name
        if name != 'naive':
            drift['open_loop'] = open_loop_drift(
                inferencers[name], inferencers[ref_name],
                run.frames[:min(len(run.frames), 31)], run.init_box)
        report['results'][name]['drift_vs_fp32'] = drift
    if control_shift_px:
        control = closed_loop_control(
            inferencers[ref_name], run.timed_frames, run.init_box,
            ref['boxes'], run.device, control_shift_px)
        control['reference'] = ref_name
        report['drift_control'] = control


def _target_boxes(box: Sequence[float], k: int,
                  frame_size: Tuple[int, int]) -> List[List[float]]:
    """``k`` boxes: the object and shifted copies inside the frame."""
    h, w = frame_size
    boxes = [list(box)]
    rng = np.random.default_rng(1)
    while len(boxes) < k:
        x = float(rng.uniform(0, w - box[2]))
        y = float(rng.uniform(0, h - box[3]))
        boxes.append([x, y, box[2], box[3]])
    return boxes


def _multi_target(run: _Run, name: str, kwargs: dict,
                  multi: SOTInferencer,
                  boxes: List[List[float]]) -> Dict[str, object]:
    """The step of ``boxes`` in one batch against the single-target step
    of the same path, alternating in blocks."""
    single = SOTInferencer(run.model, **kwargs)
    warm = run.frames[:run.warmup + 1]
    run_sequence(multi, warm, boxes, run.device)
    run_sequence(single, warm, [run.init_box], run.device)
    pair = run_paired(single, multi, run.timed_frames, run.init_box, boxes,
                      run.device)
    step = summarize(pair['multi_times'])
    single_ms = summarize(pair['single_times'])['median_ms']
    targets = len(boxes)
    run.log(f'[{name}] {targets} targets: '
            f'{step["median_ms"] / single_ms:.2f}x the single-target step')
    return dict(
        targets=targets,
        init_ms=1e3 * pair['init_s'],
        step=step,
        single_step_ms=single_ms,
        ratio_vs_single=step['median_ms'] / single_ms,
        target_fps=targets * step['fps'],
        single_target_fps=1e3 / single_ms,
        batching_gain=targets * single_ms / step['median_ms'])


def _measure(run: _Run, paths: List[Tuple[str, dict]],
             report: Dict[str, object], targets: int,
             control_shift_px: float) -> None:
    """Every measurement of :func:`benchmark` into ``report``."""
    results = report['results']
    inferencers = {name: _measure_path(run, name, kwargs, results)
                   for name, kwargs in paths}
    runs = _time_steps(run, inferencers, results)
    _add_speedups(results)
    _add_drift(run, inferencers, runs, report, control_shift_px)
    if targets > 1:
        boxes = _target_boxes(run.init_box, targets,
                              tuple(run.frames[0].shape[:2]))
        for name, kwargs in paths:
            if name != 'naive':
                report['multi_target'][name] = _multi_target(
                    run, name, kwargs, inferencers[name], boxes)


def _add_probe(report: Dict[str, object],
               probes: List[Dict[str, float]]) -> None:
    """The best of ``probes`` as the report's peak, and the achieved
    GFLOP/s and peak fraction of every timed part."""
    probe = {k: max(p[k] for p in probes) for k in probes[0]}
    report['roofline']['probe'] = probe
    add_roofline(report['results'], report['roofline']['gflop'], probe)


def _new_report(model: torch.nn.Module, device: torch.device,
                **settings) -> Dict[str, object]:
    """The report skeleton: ``env``, ``settings`` (with the model's test
    settings), empty ``results`` and ``multi_target``."""
    cfg = model.test_cfg
    settings.update(search_size=cfg['search_size'],
                    template_size=cfg['template_size'],
                    update_intervals=list(cfg['update_intervals']))
    return dict(env=environment(device), settings=settings, results={},
                multi_target={})


def benchmark(model: torch.nn.Module,
              backends: Sequence[str] = ('torch', 'torch-bf16'),
              num_frames: int = 60, warmup: int = 5, targets: int = 1,
              onnx_dir: Optional[str] = None, part_repeats: int = 10,
              frame_size: Tuple[int, int] = (480, 640),
              sequence: str = 'lissajous', naive: bool = True,
              int8_dir: Optional[str] = None, calib_frames: int = 32,
              roofline: bool = True, control_shift_px: float = 0.1,
              log: Callable[[str], None] = print,
              frames: Optional[Tuple[Sequence[np.ndarray],
                                     Sequence[float]]] = None,
              background_load: int = 0,
              ort_spinning: bool = False) -> Dict[str, object]:
    """Benchmark ``model`` (see the module docstring).

    Args:
        model: an eval :class:`Stark` (random weights are fine for timing).
        backends: any of ``BACKENDS``.
        num_frames: measured tracking steps (after ``warmup`` steps).
        targets: with ``> 1``, also the batched multi-target path.
        onnx_dir: exported graphs for ``onnxruntime``; exported to a
            temporary folder when None.
        part_repeats: repetitions of each part timing.
        naive: also measure the naive path (the speed-up baseline).
        int8_dir: graphs of ``export_onnx.py --int8`` for
            ``onnxruntime-int8``; exported (calibrated on ``calib_frames``
            frames) to a temporary folder when None.
        roofline: peak probe, counted FLOPs and achieved GFLOP/s.
        control_shift_px: also track with the fp32 reference from the first
            box moved by this many pixels (:func:`closed_loop_control`;
            0 skips it): the closed-loop drift a backend cannot beat.
        sequence: a name of :data:`SEQUENCES`: ``'lissajous'``, or
            ``'rich'`` / ``'basic'`` (the styles the tiny synthetic models
            are trained on: use them for drift of those).
        frames: ``(bgr_frames, init_box_xywh)`` to track instead of a
            generated sequence (no ground truth then); it needs
            ``num_frames + warmup + 1`` frames.
        background_load: busy processes running beside the whole run
            (:func:`stark_plugin.benchmarking.load.background_load`).
        ort_spinning: let ONNX Runtime's threads spin between runs.

    Returns:
        A JSON-serialisable dict: ``env``, ``settings``, ``results`` (per
        path: ``init``, ``step``, ``parts``, ``peak_mem_mb``,
        ``speedup_vs_naive``, ``drift_vs_fp32``; with ``roofline``:
        ``gflop``, ``gflops``, ``peak_fraction`` in ``step`` and each
        part), ``multi_target``, ``roofline`` (``probe``, ``gflop``),
        ``drift_control`` (:func:`closed_loop_control` of the fp32
        reference, when it ran).
    """
    check_backends(backends)
    device = next(model.parameters()).device
    model.eval()
    frames, init_box, gt, frame_size = _frames_to_track(
        frames, num_frames, warmup, sequence, frame_size)
    report = _new_report(
        model, device, frames=num_frames, warmup=warmup, targets=targets,
        backends=list(backends), frame_size=list(frame_size),
        sequence=sequence, background_load=background_load,
        ort_spinning=ort_spinning)
    run = _Run(model, device, frames, list(init_box), gt, warmup,
               part_repeats, log)
    tmp_dirs: List[tempfile.TemporaryDirectory] = []
    try:
        with busy_processes(background_load):
            probes = [peak_probe()] if roofline else []
            if roofline:
                report['roofline'] = dict(gflop=step_flops(model))
            onnx_dir, int8_dir = export_graphs(model, backends, onnx_dir,
                                               int8_dir, calib_frames,
                                               tmp_dirs, log)
            paths = benchmark_paths(backends, naive, onnx_dir, int8_dir,
                                    ort_spinning)
            _measure(run, paths, report, targets, control_shift_px)
            if roofline:
                probes.append(peak_probe())
    finally:
        for tmp in tmp_dirs:
            tmp.cleanup()
    if roofline:
        _add_probe(report, probes)
    return report
