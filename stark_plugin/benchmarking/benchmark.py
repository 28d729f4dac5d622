"""Speed benchmark of the tracking step (``tools/analysis/benchmark.py``);
internals of the analysis tool, not part of the inference API.

Everything runs through :class:`SOTInferencer` on a generated sequence (a
textured object moving over a textured background, crossing the image
border so that padded crops occur):

* the naive path (``cache_templates=False, fast=False``: full forward each
  frame, per-frame preprocessing, nothing cached) is the baseline;
* each backend (``torch``, ``torch-bf16``, ``onnxruntime``): ``init`` and
  the end-to-end tracking step (median / p90 ms, fps, peak memory), the
  step's parts timed on the same inputs (crop/preprocess, backbone,
  transformer, heads, postprocess), speed-up against the naive path, and the
  drift of its boxes / scores against fp32;
* with ``targets > 1``: target-frames per second of the batched
  multi-target path;
* the roofline view (:mod:`stark_plugin.benchmarking.roofline`): a peak probe of
  the machine with the threads used, the counted FLOPs of each part, the
  achieved GFLOP/s of each part and path and its fraction of the peak;
* the drift control (:func:`closed_loop_control`): fp32 started from a
  first box moved by a fraction of a pixel, the closed-loop drift that no
  backend can beat;
* :func:`drift_study`: drift only (no timing) over several generated
  videos.

Paths are timed in one run, interleaved in blocks of frames.

Timings are medians after a warm-up; CUDA work is synchronised.
"""
import os
import platform
import tempfile
import threading
import time
from typing import (Callable, Dict, List, Optional, Sequence, Tuple,
                    Union)

import cv2
import numpy as np
import torch

from stark_plugin.apis.inference import (BACKENDS, ONNX_BACKENDS,
                                         SOTInferencer)
from stark_plugin.datasets.synthetic import render_video
from stark_plugin.deploy.int8 import export_int8
from stark_plugin.deploy.onnx_export import export_onnx
from stark_plugin.models.layers.tokens import FeatureTokens
from stark_plugin.models.trackers.stark_tracker import (decode_pred_box,
                                                        map_box_back)
from stark_plugin.structures.bbox import clip_box
from .roofline import add_roofline, peak_probe, step_flops


# ----------------------------------------------------------------------
# data
def synthetic_sequence(num_frames: int, height: int = 480, width: int = 640,
                       seed: int = 0
                       ) -> Tuple[List[np.ndarray], List[List[float]]]:
    """BGR frames of a textured object moving over a textured background
    (a Lissajous path that reaches the image border), and its boxes."""
    rng = np.random.default_rng(seed)
    bg = rng.integers(0, 256, (height // 4, width // 4, 3), dtype=np.uint8)
    bg = cv2.resize(bg, (width, height), interpolation=cv2.INTER_LINEAR)
    obj_h, obj_w = height // 8, width // 8
    obj = rng.integers(0, 256, (obj_h // 3, obj_w // 3, 3), dtype=np.uint8)
    obj = cv2.resize(obj, (obj_w, obj_h), interpolation=cv2.INTER_NEAREST)
    cv2.rectangle(obj, (0, 0), (obj_w - 1, obj_h - 1), (255, 255, 255), 2)
    frames, boxes = [], []
    for t in range(num_frames):
        phase = 2 * np.pi * t / max(num_frames, 30)
        cx = width / 2 + (width / 2 - obj_w / 4) * np.sin(phase)
        cy = height / 2 + (height / 4) * np.sin(2 * phase + 0.5)
        x, y = int(round(cx - obj_w / 2)), int(round(cy - obj_h / 2))
        frame = bg.copy()
        x0, y0 = max(x, 0), max(y, 0)
        x1, y1 = min(x + obj_w, width), min(y + obj_h, height)
        frame[y0:y1, x0:x1] = obj[y0 - y:y1 - y, x0 - x:x1 - x]
        frames.append(frame)
        boxes.append([float(x), float(y), float(obj_w), float(obj_h)])
    return frames, boxes


def rich_sequence(num_frames: int, height: int = 480, width: int = 640,
                  seed: int = 0, style: str = 'rich'
                  ) -> Tuple[List[np.ndarray], List[List[float]]]:
    """BGR frames and boxes of a generated video of the synthetic training
    data (``style`` 'rich': scale and aspect changes, blur, look-alikes,
    border crossings; 'basic': the simpler style); boxes of frames where
    the target is outside are ``[-1, -1, -1, -1]``."""
    frames, boxes, *_ = render_video(
        np.random.default_rng(seed), num_frames, size=(width, height),
        with_absence=False, style=style)
    return list(frames), [list(map(float, b)) for b in boxes]


def basic_sequence(num_frames: int, height: int = 480, width: int = 640,
                   seed: int = 0
                   ) -> Tuple[List[np.ndarray], List[List[float]]]:
    """:func:`rich_sequence` in the 'basic' synthetic style."""
    return rich_sequence(num_frames, height, width, seed, style='basic')


#: generated sequences of :func:`benchmark` and :func:`drift_study`.
SEQUENCES = dict(lissajous=synthetic_sequence, rich=rich_sequence,
                 basic=basic_sequence)


# ----------------------------------------------------------------------
# measurement helpers
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


def box_iou_xywh(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise IoU of ``(N, 4)`` xywh boxes."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    x1 = np.maximum(a[:, 0], b[:, 0])
    y1 = np.maximum(a[:, 1], b[:, 1])
    x2 = np.minimum(a[:, 0] + a[:, 2], b[:, 0] + b[:, 2])
    y2 = np.minimum(a[:, 1] + a[:, 3], b[:, 1] + b[:, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    union = a[:, 2] * a[:, 3] + b[:, 2] * b[:, 3] - inter
    return inter / np.maximum(union, 1e-12)


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


def _sync(device: torch.device) -> None:
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def time_fn(fn: Callable[[], object], device: torch.device, repeats: int,
            warmup: int = 2) -> Dict[str, float]:
    """Summary of ``repeats`` timed calls after ``warmup`` calls."""
    for _ in range(warmup):
        fn()
    _sync(device)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        _sync(device)
        times.append(time.perf_counter() - start)
    return summarize(times)


def environment(device: torch.device) -> Dict[str, object]:
    """torch version, threads, device and CPU/GPU name."""
    cpu = platform.processor() or platform.machine()
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    cpu = line.split(':', 1)[1].strip()
                    break
    except OSError:
        pass
    env = dict(
        torch=torch.__version__,
        threads=torch.get_num_threads(),
        device=str(device),
        cpu=cpu,
        cpu_count=os.cpu_count(),
        python=platform.python_version(),
        load_avg=list(os.getloadavg()) if hasattr(os, 'getloadavg') else
        None)
    if device.type == 'cuda':
        env['gpu'] = torch.cuda.get_device_name(device)
    try:
        import onnxruntime
        env['onnxruntime'] = onnxruntime.__version__
    except ImportError:
        pass
    return env


# ----------------------------------------------------------------------
# one backend
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
    _sync(device)
    run['times'].append(time.perf_counter() - start)
    run['boxes'].append([t['box'] for t in result['targets']])
    run['scores'].append([t['score'] for t in result['targets']])


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
        inferencers[name].reset()
        _sync(device)
        start = time.perf_counter()
        for box in boxes:
            inferencers[name].init(frames[0], box)
        _sync(device)
        out[name] = dict(init_s=time.perf_counter() - start, times=[],
                         boxes=[], scores=[])
    steps = list(frames[1:])
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


def step_parts(inferencer: SOTInferencer, frame_bgr: np.ndarray,
               box: Sequence[float], device: torch.device,
               repeats: int) -> Dict[str, Dict[str, float]]:
    """Time the parts of one tracking step on the same inputs.

    ``preprocess``: BGR->RGB, search crop, tensor, normalisation;
    ``template_branch`` (naive path only: the template branch it reruns
    each frame); ``backbone``: search branch (backbone, neck, mask,
    positional encoding); ``transformer``; ``heads`` (box + score head);
    ``network`` (onnxruntime: the search graph = backbone + transformer +
    heads); ``postprocess``: decode, map back, clip.
    """
    tracker = inferencer.tracker
    net = tracker.model
    state = tracker.init(cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2RGB), box)
    parts = {}

    def preprocess():
        rgb = cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2RGB)
        return tracker.crop(rgb, box, tracker.search_factor,
                            tracker.search_size)

    img, mask, resize = preprocess()
    with tracker._grad_mode():
        parts['preprocess'] = time_fn(preprocess, device, repeats)
        templates = [tracker.template_tokens(t) for t in state.templates]
        if not tracker.cache_templates:
            parts['template_branch'] = time_fn(
                lambda: [tracker.template_tokens(t)
                         for t in state.templates], device, repeats)
        search = tracker.extract_tokens(img, mask)
        if hasattr(net, 'head'):
            parts['backbone'] = time_fn(
                lambda: tracker.extract_tokens(img, mask), device, repeats)
            tokens = FeatureTokens.cat(templates + [search])
            transformer, heads = _head_parts(net.head, tokens, tracker)
            parts['transformer'] = time_fn(transformer, device, repeats)
            parts['heads'] = time_fn(heads, device, repeats)
        else:
            parts['network'] = time_fn(
                lambda: net.forward_head(templates, search), device,
                repeats)
        with tracker._autocast():
            outs = net.forward_head(templates, search)
    pred = outs['pred_boxes'].float().cpu()
    img_h, img_w = frame_bgr.shape[:2]

    def postprocess():
        p = decode_pred_box(pred[0], tracker.search_size, resize)
        return clip_box(
            map_box_back(p, box, tracker.search_size, resize), img_h, img_w,
            margin=tracker.clip_margin)

    parts['postprocess'] = time_fn(postprocess, device, repeats)
    return parts


def _head_parts(head, tokens, tracker) -> Tuple[Callable, Callable]:
    """``(transformer, heads)`` callables of one step on ``tokens``:
    encoder-decoder + box/score heads (STARK-S/ST), or the lite encoder +
    corner head (STARK-Lightning)."""
    if not hasattr(head, 'transformer'):  # STARK-Lightning

        def encoder():
            with tracker._autocast():
                return head.encoder(tokens)['memory']

        memory = encoder()

        def corner_head():
            with tracker._autocast():
                return head.bbox_head(head.head_input(memory, tokens.hw))

        return encoder, corner_head

    def transformer():
        with tracker._autocast():
            return head.transformer(tokens.feat, tokens.mask, tokens.pos,
                                    head.query_embedding.weight)

    hs, memory = transformer()

    def heads():
        with tracker._autocast():
            feat = head.box_head_input(hs, memory, tokens.hw)
            out = head.bbox_head(feat)
            if head.cls_head is not None:
                out = (out, head.cls_head(hs))
            return out

    return transformer, heads


def _drift(boxes: np.ndarray, scores: np.ndarray, ref_boxes: np.ndarray,
           ref_scores: np.ndarray) -> Dict[str, float]:
    iou = box_iou_xywh(boxes.reshape(-1, 4), ref_boxes.reshape(-1, 4))
    return dict(
        mean_iou=float(iou.mean()),
        min_iou=float(iou.min()),
        max_box_diff_px=float(np.abs(boxes - ref_boxes).max()),
        max_score_diff=float(np.abs(scores - ref_scores).max()))


def open_loop_drift(test: SOTInferencer, ref: SOTInferencer,
                    frames: Sequence[np.ndarray], init_box: Sequence[float]
                    ) -> Dict[str, float]:
    """Drift of one step: both start every frame from the reference's
    state (same crops), so only the numerics differ, not the trajectory."""
    ref.reset()
    test.reset()
    ref.init(frames[0], init_box)
    test.init(frames[0], init_box)
    boxes, ref_boxes, scores, ref_scores = [], [], [], []
    for frame in frames[1:]:
        test.states[0].box = list(ref.states[0].box)
        r = ref.track(frame)
        t = test.track(frame)
        boxes.append(t['box'])
        scores.append(t['score'])
        ref_boxes.append(r['box'])
        ref_scores.append(r['score'])
    return _drift(np.asarray(boxes), np.asarray(scores),
                  np.asarray(ref_boxes), np.asarray(ref_scores))


def closed_loop_control(ref: SOTInferencer, frames: Sequence[np.ndarray],
                        init_box: Sequence[float], ref_boxes: np.ndarray,
                        device: torch.device, shift_px: float = 0.1
                        ) -> Dict[str, float]:
    """The reference path again, started from ``init_box`` moved by
    ``shift_px`` in x and y: its closed-loop IoU to its own run
    (``ref_boxes``, one row per frame after the first) is the tracker's
    own sensitivity. A backend whose closed-loop drift is near it cannot be
    told apart from a sub-pixel change of the first box."""
    moved = [init_box[0] + shift_px, init_box[1] + shift_px,
             init_box[2], init_box[3]]
    run = run_sequence(ref, frames, [moved], device)
    iou = box_iou_xywh(run['boxes'].reshape(-1, 4),
                       np.asarray(ref_boxes).reshape(-1, 4))
    return dict(shift_px=float(shift_px), mean_iou=float(iou.mean()),
                min_iou=float(iou.min()))


def _export_graphs(model: torch.nn.Module, backends: Sequence[str],
                   onnx_dir: Optional[str], int8_dir: Optional[str],
                   calib_frames: int, tmp_dirs: list,
                   log: Callable[[str], None]
                   ) -> Tuple[Optional[str], Optional[str]]:
    """Graph folders of the ONNX Runtime backends in ``backends``, exported
    to temporary folders (appended to ``tmp_dirs``) where not given."""
    if any(b in ONNX_BACKENDS for b in backends) and onnx_dir is None:
        tmp_dirs.append(tempfile.TemporaryDirectory())
        onnx_dir = tmp_dirs[-1].name
        start = time.perf_counter()
        export_onnx(model, onnx_dir)
        log(f'exported ONNX graphs in {time.perf_counter() - start:.1f} s')
    if 'onnxruntime-int8' in backends and int8_dir is None:
        tmp_dirs.append(tempfile.TemporaryDirectory())
        int8_dir = tmp_dirs[-1].name
        start = time.perf_counter()
        export_int8(model, int8_dir, calib_frames=calib_frames,
                    float_dir=onnx_dir)
        log(f'int8 graphs (calibrated on {calib_frames} frames) in '
            f'{time.perf_counter() - start:.1f} s')
    return onnx_dir, int8_dir


def _backend_kwargs(backend: str, onnx_dir: Optional[str],
                    int8_dir: Optional[str]) -> Dict[str, object]:
    kwargs: Dict[str, object] = dict(backend=backend)
    if backend == 'onnxruntime':
        kwargs['onnx_dir'] = onnx_dir
    elif backend == 'onnxruntime-int8':
        kwargs['onnx_dir'] = int8_dir
    return kwargs


def benchmark(model: torch.nn.Module,
              backends: Sequence[str] = ('torch', 'torch-bf16'),
              num_frames: int = 60,
              warmup: int = 5,
              targets: int = 1,
              onnx_dir: Optional[str] = None,
              part_repeats: int = 10,
              frame_size: Tuple[int, int] = (480, 640),
              sequence: str = 'lissajous',
              naive: bool = True,
              int8_dir: Optional[str] = None,
              calib_frames: int = 32,
              roofline: bool = True,
              control_shift_px: float = 0.1,
              log: Callable[[str], None] = print,
              frames: Optional[Tuple[Sequence[np.ndarray],
                                     Sequence[float]]] = None
              ) -> Dict[str, object]:
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
        sequence: ``'lissajous'`` (:func:`synthetic_sequence`) or
            ``'rich'`` (:func:`rich_sequence`, the style the tiny synthetic
            models are trained on: use it for drift of those).
        frames: ``(bgr_frames, init_box_xywh)`` to track instead of a
            generated sequence (no ground truth then); it needs
            ``num_frames + warmup + 1`` frames.

    Returns:
        A JSON-serialisable dict: ``env``, ``settings``, ``results`` (per
        path: ``init``, ``step``, ``parts``, ``peak_mem_mb``,
        ``speedup_vs_naive``, ``drift_vs_fp32``; with ``roofline``:
        ``gflop``, ``gflops``, ``peak_fraction`` in ``step`` and each
        part), ``multi_target``, ``roofline`` (``probe``, ``gflop``),
        ``drift_control`` (:func:`closed_loop_control` of the fp32
        reference, when it ran).
    """
    for b in backends:
        if b not in BACKENDS:
            raise ValueError(f'unknown backend {b!r}; choose from {BACKENDS}')
    device = next(model.parameters()).device
    model.eval()
    if frames is not None:
        frames, init_box = list(frames[0]), list(frames[1])
        if len(frames) < num_frames + warmup + 1:
            raise ValueError(f'the sequence has {len(frames)} frames; '
                             f'{num_frames} measured + {warmup} warm-up '
                             f'steps need {num_frames + warmup + 1}')
        frames = frames[:num_frames + warmup + 1]
        frame_size = tuple(frames[0].shape[:2])
        gt = None
    else:
        if sequence not in SEQUENCES:
            raise ValueError(f'unknown sequence {sequence!r}; choose from '
                             f'{tuple(SEQUENCES)}')
        frames, gt = SEQUENCES[sequence](num_frames + warmup + 1,
                                         *frame_size)
        if gt[0][2] <= 0 or gt[0][3] <= 0:
            raise ValueError(f'the {sequence} sequence starts without a '
                             'target')
        init_box = gt[0]
    report: Dict[str, object] = dict(
        env=environment(device),
        settings=dict(
            frames=num_frames, warmup=warmup, targets=targets,
            backends=list(backends), frame_size=list(frame_size),
            sequence=sequence,
            search_size=model.test_cfg['search_size'],
            template_size=model.test_cfg['template_size'],
            update_intervals=list(model.test_cfg['update_intervals'])),
        results={}, multi_target={})
    probes = []
    if roofline:
        probes.append(peak_probe())
        report['roofline'] = dict(gflop=step_flops(model))
    tmp_dirs: List[tempfile.TemporaryDirectory] = []
    onnx_dir, int8_dir = _export_graphs(model, backends, onnx_dir, int8_dir,
                                        calib_frames, tmp_dirs, log)

    paths: List[Tuple[str, dict]] = []
    if naive:
        paths.append(('naive', dict(cache_templates=False, fast=False)))
    for b in backends:
        paths.append((b, _backend_kwargs(b, onnx_dir, int8_dir)))

    runs: Dict[str, dict] = {}
    inferencers: Dict[str, SOTInferencer] = {}
    try:
        for name, kwargs in paths:
            log(f'[{name}] warm-up, init, parts ...')
            inf = SOTInferencer(model, **kwargs)
            inferencers[name] = inf
            # warm-up: first calls allocate, pick kernels, fill caches
            with PeakMemory(device) as mem:
                run_sequence(inf, frames[:warmup + 1], [init_box], device)
            init_times = []
            for _ in range(max(3, part_repeats // 2)):
                inf.reset()
                _sync(device)
                start = time.perf_counter()
                inf.init(frames[0], init_box)
                _sync(device)
                init_times.append(time.perf_counter() - start)
            report['results'][name] = dict(
                init=summarize(init_times),
                parts=step_parts(inf, frames[1], init_box, device,
                                 part_repeats),
                peak_mem_mb=mem.peak_mb)
        log('tracking steps, paths interleaved in blocks of 10 frames ...')
        runs = run_interleaved(inferencers,
                               [frames[0]] + frames[warmup + 1:],
                               [init_box], device)
        for name, run in runs.items():
            entry = report['results'][name]
            entry['step'] = summarize(run['times'])
            # does the tracker follow the object? (closed-loop drift of a
            # path that lost it measures divergence, not numerics)
            if gt is not None:
                truth = np.asarray(gt[warmup + 1:])
                seen = truth[:, 2] > 0
                entry['iou_to_truth'] = float(box_iou_xywh(
                    run['boxes'][seen, 0], truth[seen]).mean())
            log(f'[{name}] step median {entry["step"]["median_ms"]:.1f} ms'
                f', p90 {entry["step"]["p90_ms"]:.1f} ms')

        results = report['results']
        if 'naive' in results:
            base = results['naive']['step']['median_ms']
            for name, entry in results.items():
                entry['speedup_vs_naive'] = base / entry['step']['median_ms']
                entry['latency_ratio_vs_naive'] = \
                    entry['step']['median_ms'] / base
        ref_name = 'torch' if 'torch' in runs else (
            'naive' if 'naive' in runs else None)
        if ref_name is not None:
            ref = runs[ref_name]
            for name, run in runs.items():
                if name == ref_name:
                    continue
                drift = _drift(run['boxes'], run['scores'], ref['boxes'],
                               ref['scores'])
                drift['reference'] = ref_name
                if name != 'naive':
                    drift['open_loop'] = open_loop_drift(
                        inferencers[name], inferencers[ref_name],
                        frames[:min(len(frames), 31)], init_box)
                results[name]['drift_vs_fp32'] = drift
            if control_shift_px:
                control = closed_loop_control(
                    inferencers[ref_name], [frames[0]] + frames[warmup + 1:],
                    init_box, ref['boxes'], device, control_shift_px)
                control['reference'] = ref_name
                report['drift_control'] = control

        if targets > 1:
            boxes = _target_boxes(init_box, targets, frame_size)
            for name, kwargs in paths:
                if name == 'naive':
                    continue
                multi = inferencers[name]
                single = SOTInferencer(model, **kwargs)
                run_sequence(multi, frames[:warmup + 1], boxes, device)
                run_sequence(single, frames[:warmup + 1], [init_box], device)
                pair = run_paired(single, multi,
                                  [frames[0]] + frames[warmup + 1:],
                                  init_box, boxes, device)
                step = summarize(pair['multi_times'])
                single_ms = summarize(pair['single_times'])['median_ms']
                report['multi_target'][name] = dict(
                    targets=targets,
                    init_ms=1e3 * pair['init_s'],
                    step=step,
                    single_step_ms=single_ms,
                    ratio_vs_single=step['median_ms'] / single_ms,
                    target_fps=targets * step['fps'],
                    single_target_fps=1e3 / single_ms,
                    batching_gain=targets * single_ms / step['median_ms'])
                log(f'[{name}] {targets} targets: '
                    f'{step["median_ms"] / single_ms:.2f}x the single-target '
                    'step')
        if roofline:
            probes.append(peak_probe())
            probe = {k: max(p[k] for p in probes) for k in probes[0]}
            report['roofline']['probe'] = probe
            add_roofline(results, report['roofline']['gflop'], probe)
    finally:
        for tmp in tmp_dirs:
            tmp.cleanup()
    return report


def drift_study(model: torch.nn.Module,
                backends: Sequence[str] = ('torch-bf16', 'onnxruntime',
                                           'onnxruntime-int8'),
                videos: int = 6, num_frames: int = 100,
                frame_size: Tuple[int, int] = (240, 320),
                sequence: str = 'rich', seed: int = 10,
                onnx_dir: Optional[str] = None,
                int8_dir: Optional[str] = None, calib_frames: int = 32,
                control_shift_px: float = 0.1,
                log: Callable[[str], None] = print) -> Dict[str, object]:
    """Drift of each backend against fp32 ``torch`` over ``videos``
    generated videos (``sequence`` style, seeds ``seed``, ``seed + 1``,
    ...), without timing: closed loop (each path tracks on its own), open
    loop (:func:`open_loop_drift`), each path's IoU to the ground truth,
    and the fp32 control (:func:`closed_loop_control`) per video.

    Returns:
        ``settings``, ``videos`` (one dict per video: ``seed``, ``truth``,
        ``closed``, ``open`` keyed by path, ``control`` mean IoU) and
        ``mean`` (the same keys averaged over the videos).
    """
    backends = [b for b in backends if b != 'torch']
    for b in backends:
        if b not in BACKENDS:
            raise ValueError(f'unknown backend {b!r}; choose from {BACKENDS}')
    if sequence not in SEQUENCES:
        raise ValueError(f'unknown sequence {sequence!r}; choose from '
                         f'{tuple(SEQUENCES)}')
    if videos < 1 or num_frames < 2:
        raise ValueError('a drift study needs >= 1 video of >= 2 frames')
    device = next(model.parameters()).device
    model.eval()
    tmp_dirs: List[tempfile.TemporaryDirectory] = []
    rows = []
    try:
        onnx_dir, int8_dir = _export_graphs(model, backends, onnx_dir,
                                            int8_dir, calib_frames,
                                            tmp_dirs, log)
        ref = SOTInferencer(model, backend='torch')
        tests = {b: SOTInferencer(model, **_backend_kwargs(b, onnx_dir,
                                                           int8_dir))
                 for b in backends}
        for k in range(videos):
            frames, gt = SEQUENCES[sequence](num_frames, *frame_size,
                                             seed=seed + k)
            gt = np.asarray(gt, dtype=np.float64)
            if gt[0, 2] <= 0 or gt[0, 3] <= 0:
                raise ValueError(f'{sequence} video of seed {seed + k} '
                                 'starts without a target')
            seen = gt[1:, 2] > 0
            ref_boxes = run_sequence(ref, frames, [gt[0]],
                                     device)['boxes'][:, 0]
            row = dict(seed=seed + k, truth={}, closed={}, open={})
            row['truth']['torch'] = float(
                box_iou_xywh(ref_boxes[seen], gt[1:][seen]).mean())
            for name, inf in tests.items():
                boxes = run_sequence(inf, frames, [gt[0]],
                                     device)['boxes'][:, 0]
                row['truth'][name] = float(
                    box_iou_xywh(boxes[seen], gt[1:][seen]).mean())
                row['closed'][name] = float(
                    box_iou_xywh(boxes, ref_boxes).mean())
                row['open'][name] = open_loop_drift(
                    inf, ref, frames, gt[0])['mean_iou']
            if control_shift_px:
                row['control'] = closed_loop_control(
                    ref, frames, gt[0], ref_boxes, device,
                    control_shift_px)['mean_iou']
            log(f"video {row['seed']}: closed-loop IoU to fp32 " + ', '.join(
                f'{b} {v:.3f}' for b, v in row['closed'].items()) +
                (f", control {row['control']:.3f}" if 'control' in row
                 else ''))
            rows.append(row)
    finally:
        for tmp in tmp_dirs:
            tmp.cleanup()
    mean: Dict[str, object] = {
        key: {b: float(np.mean([r[key][b] for r in rows]))
              for b in rows[0][key]}
        for key in ('truth', 'closed', 'open')}
    if control_shift_px:
        mean['control'] = float(np.mean([r['control'] for r in rows]))
    return dict(
        settings=dict(backends=list(backends), videos=videos,
                      frames=num_frames, frame_size=list(frame_size),
                      sequence=sequence, seed=seed,
                      control_shift_px=control_shift_px),
        videos=rows, mean=mean)


def format_drift_table(report: Dict[str, object]) -> str:
    """The table of a :func:`drift_study` report."""
    st, mean = report['settings'], report['mean']
    lines = [
        f"drift against fp32 torch over {st['videos']} generated "
        f"'{st['sequence']}' videos (seeds {st['seed']}-"
        f"{st['seed'] + st['videos'] - 1}, {st['frames']} frames, "
        f"{st['frame_size'][1]}x{st['frame_size'][0]})",
        '',
        '| path | closed-loop mean IoU to fp32 | open-loop mean IoU to fp32 '
        '| mean IoU to the truth |',
        '| --- | --- | --- | --- |',
        f"| torch (fp32) | - | - | {mean['truth']['torch']:.3f} |",
    ]
    if 'control' in mean:
        lines.append(
            f"| torch, first box moved by {st['control_shift_px']:g} px "
            f"(control) | {mean['control']:.3f} | - | - |")
    for b in mean['closed']:
        lines.append(f"| {b} | {mean['closed'][b]:.3f} | "
                     f"{mean['open'][b]:.3f} | {mean['truth'][b]:.3f} |")
    return '\n'.join(lines)


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


def _pct(frac: Optional[float]) -> str:
    return '-' if frac is None else f'{100 * frac:.0f}%'


def format_table(report: Dict[str, object]) -> str:
    """The headline table of a :func:`benchmark` report (and the roofline
    table when the report has one)."""
    env = report['env']
    lines = [
        f"torch {env['torch']} | threads {env['threads']} | device "
        f"{env['device']} | CPU {env['cpu']}" +
        (f" | GPU {env['gpu']}" if 'gpu' in env else '') +
        (f" | onnxruntime {env['onnxruntime']}" if 'onnxruntime' in env
         else ''),
        '',
        '| path | init ms | step median ms | step p90 ms | fps | speed-up '
        'vs naive | latency ratio | GFLOP/s | % of peak | mean IoU vs fp32 '
        '(closed / open loop) | max score diff | IoU to truth | peak mem MiB '
        '|',
        '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- '
        '| --- | --- |',
    ]
    for name, r in report['results'].items():
        d = r.get('drift_vs_fp32')
        iou = score = '-'
        if d:
            ol = d.get('open_loop', {})
            iou = f"{d['mean_iou']:.4f}" + (
                f" / {ol['mean_iou']:.4f}" if ol else '')
            score = f"{d['max_score_diff']:.2e}" + (
                f" / {ol['max_score_diff']:.2e}" if ol else '')
        step = r['step']
        rate = f"{step['gflops']:.1f}" if 'gflops' in step else '-'
        lines.append(
            f"| {name} | {r['init']['median_ms']:.1f} | "
            f"{step['median_ms']:.1f} | {step['p90_ms']:.1f} | "
            f"{step['fps']:.1f} | "
            f"{r.get('speedup_vs_naive', float('nan')):.2f}x | "
            f"{r.get('latency_ratio_vs_naive', float('nan')):.2f} | {rate} | "
            f"{_pct(step.get('peak_fraction'))} | {iou} | "
            f"{score} | {r.get('iou_to_truth', float('nan')):.3f} | "
            f"{r['peak_mem_mb']:.0f} |")
    lines += ['', 'parts (median ms):']
    for name, r in report['results'].items():
        lines.append(f'  {name}: ' + ', '.join(
            f"{k} {v['median_ms']:.1f}" for k, v in r['parts'].items()))
    control = report.get('drift_control')
    if control:
        lines.append(
            f"  drift control: {control['reference']} started from the "
            f"first box moved by {control['shift_px']:g} px: closed-loop "
            f"mean IoU to itself {control['mean_iou']:.4f} (min "
            f"{control['min_iou']:.4f}); a backend's closed-loop drift near "
            "this is the tracker's own sensitivity, not numerics")
    for name, m in report['multi_target'].items():
        lines.append(
            f"  {name} x{m['targets']} targets: step "
            f"{m['step']['median_ms']:.1f} ms = {m['ratio_vs_single']:.2f}x "
            f"the single-target step ({m['single_step_ms']:.1f} ms, "
            f"alternating with it in blocks), init of all "
            f"{m['init_ms']:.0f} ms, {m['target_fps']:.1f} "
            f"target-frames/s (single {m['single_target_fps']:.1f}, "
            f"batching gain {m['batching_gain']:.2f}x)")
    if 'roofline' in report and 'probe' in report['roofline']:
        lines += ['', _roofline_table(report)]
    return '\n'.join(lines)


def _roofline_table(report: Dict[str, object]) -> str:
    """Counted GFLOP, achieved GFLOP/s and fraction of the probe's peak of
    each part of each path."""
    probe = report['roofline']['probe']
    lines = [
        f"roofline: peak probe with {probe['threads']} threads: fp32 "
        f"matmul {probe['fp32_matmul']:.1f}, bf16 matmul "
        f"{probe['bf16_matmul']:.1f}, fp32 3x3 conv "
        f"{probe['conv3x3_fp32']:.1f} GFLOP/s; % of peak: of the fp32 peak "
        f"({probe['fp32']:.1f}) for fp32 and int8 paths, of the bf16 peak "
        f"({probe['bf16']:.1f}) for bf16",
        '',
        '| path | part | GFLOP (counted) | median ms | GFLOP/s | % of peak |',
        '| --- | --- | --- | --- | --- | --- |',
    ]
    for name, r in report['results'].items():
        rows = [(k, v) for k, v in r['parts'].items() if 'gflop' in v]
        rows.append(('step', r['step']))
        for part, t in rows:
            if 'gflop' not in t:
                continue
            lines.append(
                f"| {name} | {part} | {t['gflop']:.2f} | "
                f"{t['median_ms']:.1f} | {t['gflops']:.1f} | "
                f"{_pct(t.get('peak_fraction'))} |")
    return '\n'.join(lines)
