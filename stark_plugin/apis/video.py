"""``track_video``: track one or more targets through a video, a folder
of frames or a webcam with :class:`~stark_plugin.apis.SOTInferencer`.

The frame sources live in :mod:`stark_plugin.fileio.video`; the demo
(``demo_sot.py``) and scripts share this function.
"""
import math
import time
import warnings
from typing import (Any, Dict, Iterator, List, Optional, Sequence, Tuple,
                    Union)

import numpy as np
import torch

from ..errors import InputError
from ..fileio.video import FrameSource, open_source
from ..structures.bbox import validate_box
from .inference import SOTInferencer

__all__ = ['track_video']

Box = List[float]


def _normalize_boxes(boxes: Sequence) -> List[Box]:
    boxes = list(boxes)
    if not boxes:
        raise InputError('no initial box given')
    if all(isinstance(v, (int, float, np.number)) for v in boxes):
        boxes = [boxes]  # a single box
    return [list(b) for b in boxes]


class _Targets:
    """Several targets on the multi-target ``SOTInferencer`` contract
    (``init`` returns an index, ``track`` returns ``targets``), or, on a
    single-target inferencer, one inferencer per target."""

    def __init__(self, inferencer: Any, frame: np.ndarray,
                 boxes: List[Box]) -> None:
        if hasattr(inferencer, 'reset'):
            inferencer.reset()
        self.inferencers = [inferencer]
        first = inferencer.init(frame, boxes[0])
        self.batched = first is not None  # the contract returns an index
        for box in boxes[1:]:
            if self.batched:
                inferencer.init(frame, box)
            else:
                extra = SOTInferencer(inferencer.model)
                extra.init(frame, box)
                self.inferencers.append(extra)

    def track(self, frame: np.ndarray) -> List[dict]:
        targets: List[dict] = []
        for inferencer in self.inferencers:
            result = inferencer.track(frame)
            targets.extend(result.get('targets', [result]))
        return targets


def _finite_results(results: List[dict], last: List[Box],
                    index: int) -> Tuple[List[Box], List[float]]:
    """Boxes and scores of one frame; a non-finite box keeps the target's
    previous box with score 0 (warned)."""
    out_boxes, scores = [], []
    for t, res in enumerate(results):
        box = [float(v) for v in res['box']]
        score = float(res['score'])
        if not all(math.isfinite(v) for v in box):
            warnings.warn(f'frame {index}: target {t} got a non-finite box '
                          f'{box}; kept the previous')
            box, score = last[t], 0.0
        out_boxes.append(box)
        scores.append(score if math.isfinite(score) else 0.0)
    return out_boxes, scores


def track_video(model_or_inferencer: Any,
                source: Union[str, int, FrameSource],
                boxes: Sequence,
                start_frame: int = 0,
                max_frames: Optional[int] = None,
                fps: Optional[float] = None,
                backend: str = 'torch',
                onnx_dir: Optional[str] = None
                ) -> Iterator[Dict[str, Any]]:
    """Track targets through a video, frame folder or webcam.

    Args:
        model_or_inferencer: a model from :func:`init_model` or a
            ``SOTInferencer`` (its targets are reset).
        source: path, webcam index or :class:`FrameSource`.
        boxes: ``[x, y, w, h]`` or a list of them (pixels, in frame
            ``start_frame``).
        start_frame: first frame (the initial boxes refer to it).
        max_frames: at most this many frames, the first included.
        fps: frame-rate override of the source.
        backend, onnx_dir: passed to a ``SOTInferencer`` built here.

    Yields:
        ``dict(frame_index, frame (BGR or None if unreadable), boxes=[[x, y,
        w, h], ...], scores=[...], time (s of tracking, 0 on the first
        frame), init (first frame), valid (frame readable))``, one per
        frame. The first frame carries the initial boxes with score 1.0;
        an unreadable frame keeps the previous boxes with score 0.0.

    Raises:
        InputError: bad source, box empty / outside the image, unreadable
            first frame.
    """
    boxes = _normalize_boxes(boxes)
    if start_frame < 0:
        raise InputError(f'start frame must be >= 0, got {start_frame}')
    if max_frames is not None and max_frames <= 0:
        raise InputError(f'max frames must be > 0, got {max_frames}')
    own_source = not isinstance(source, FrameSource)
    src = open_source(source, fps)
    try:
        frames = src.frames(start_frame, max_frames)
        first = next(frames, None)
        if first is None:
            raise InputError(f'{src.name} has no frame {start_frame}')
        index, frame = first
        if frame is None:
            raise InputError(f'the first frame ({index}) of {src.name} is '
                             f'unreadable; choose another --start-frame')
        boxes = [
            validate_box(b, frame.shape, f'box {t}')
            for t, b in enumerate(boxes)
        ]
        if isinstance(model_or_inferencer, torch.nn.Module):
            inferencer = SOTInferencer(model_or_inferencer, backend=backend,
                                       onnx_dir=onnx_dir)
        else:
            inferencer = model_or_inferencer
        targets = _Targets(inferencer, frame, boxes)
        yield dict(frame_index=index, frame=frame,
                   boxes=[list(b) for b in boxes],
                   scores=[1.0] * len(boxes), time=0.0, init=True,
                   valid=True)
        last = [list(b) for b in boxes]
        for index, frame in frames:
            if frame is None:
                yield dict(frame_index=index, frame=None,
                           boxes=[list(b) for b in last],
                           scores=[0.0] * len(last), time=0.0, init=False,
                           valid=False)
                continue
            tic = time.perf_counter()
            results = targets.track(frame)
            elapsed = time.perf_counter() - tic
            out_boxes, scores = _finite_results(results, last, index)
            last = out_boxes
            yield dict(frame_index=index, frame=frame, boxes=out_boxes,
                       scores=scores, time=elapsed, init=False, valid=True)
    finally:
        if own_source:
            src.close()
