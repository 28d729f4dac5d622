"""Drift of a backend's boxes and scores against fp32 ``torch``: closed
loop (each path tracks on its own), open loop (every frame starts from
the reference's box, so only the numerics differ), the fp32 control (the
reference started from a first box moved by a fraction of a pixel: the
closed-loop drift no backend can beat), and a drift-only study over
several generated videos (no timing)."""
import tempfile
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch

from stark_plugin.apis.inference import SOTInferencer
from stark_plugin.structures.bbox import box_iou_xywh
from .backends import backend_kwargs, check_backends, export_graphs
from .sequences import SEQUENCES, check_sequence_name
from .timing import run_sequence


def drift_stats(boxes: np.ndarray, scores: np.ndarray,
                ref_boxes: np.ndarray,
                ref_scores: np.ndarray) -> Dict[str, float]:
    """Mean and min IoU of ``boxes`` to ``ref_boxes`` (xywh, any leading
    shape), the largest box and score differences."""
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
    return drift_stats(np.asarray(boxes), np.asarray(scores),
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


def _study_video(ref: SOTInferencer, tests: Dict[str, SOTInferencer],
                 frames: Sequence[np.ndarray], gt: np.ndarray,
                 device: torch.device,
                 control_shift_px: float) -> Dict[str, object]:
    """Drift of each of ``tests`` against ``ref`` on one video with ground
    truth ``gt``: ``truth``, ``closed``, ``open`` (mean IoUs keyed by
    path) and ``control``."""
    seen = gt[1:, 2] > 0
    ref_boxes = run_sequence(ref, frames, [gt[0]], device)['boxes'][:, 0]
    row: Dict[str, object] = dict(truth={}, closed={}, open={})
    row['truth']['torch'] = float(
        box_iou_xywh(ref_boxes[seen], gt[1:][seen]).mean())
    for name, inf in tests.items():
        boxes = run_sequence(inf, frames, [gt[0]], device)['boxes'][:, 0]
        row['truth'][name] = float(
            box_iou_xywh(boxes[seen], gt[1:][seen]).mean())
        row['closed'][name] = float(box_iou_xywh(boxes, ref_boxes).mean())
        row['open'][name] = open_loop_drift(inf, ref, frames,
                                            gt[0])['mean_iou']
    if control_shift_px:
        row['control'] = closed_loop_control(
            ref, frames, gt[0], ref_boxes, device,
            control_shift_px)['mean_iou']
    return row


def _mean_rows(rows: List[dict]) -> Dict[str, object]:
    """The per-video ``truth``, ``closed``, ``open`` (and ``control``)
    averaged over ``rows``."""
    mean: Dict[str, object] = {
        key: {b: float(np.mean([r[key][b] for r in rows]))
              for b in rows[0][key]}
        for key in ('truth', 'closed', 'open')}
    if 'control' in rows[0]:
        mean['control'] = float(np.mean([r['control'] for r in rows]))
    return mean


def _log_row(row: dict, log: Callable[[str], None]) -> None:
    log(f"video {row['seed']}: closed-loop IoU to fp32 " + ', '.join(
        f'{b} {v:.3f}' for b, v in row['closed'].items()) +
        (f", control {row['control']:.3f}" if 'control' in row else ''))


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
    check_backends(backends)
    check_sequence_name(sequence)
    if videos < 1 or num_frames < 2:
        raise ValueError('a drift study needs >= 1 video of >= 2 frames')
    device = next(model.parameters()).device
    model.eval()
    tmp_dirs: List[tempfile.TemporaryDirectory] = []
    rows = []
    try:
        onnx_dir, int8_dir = export_graphs(model, backends, onnx_dir,
                                           int8_dir, calib_frames, tmp_dirs,
                                           log)
        ref = SOTInferencer(model, backend='torch')
        tests = {b: SOTInferencer(model, **backend_kwargs(b, onnx_dir,
                                                          int8_dir))
                 for b in backends}
        for k in range(videos):
            frames, gt = SEQUENCES[sequence](num_frames, *frame_size,
                                             seed=seed + k)
            gt = np.asarray(gt, dtype=np.float64)
            if gt[0, 2] <= 0 or gt[0, 3] <= 0:
                raise ValueError(f'{sequence} video of seed {seed + k} '
                                 'starts without a target')
            row = dict(seed=seed + k, **_study_video(
                ref, tests, frames, gt, device, control_shift_px))
            _log_row(row, log)
            rows.append(row)
    finally:
        for tmp in tmp_dirs:
            tmp.cleanup()
    return dict(
        settings=dict(backends=list(backends), videos=videos,
                      frames=num_frames, frame_size=list(frame_size),
                      sequence=sequence, seed=seed,
                      control_shift_px=control_shift_px),
        videos=rows, mean=_mean_rows(rows))


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
