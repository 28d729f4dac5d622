"""The per-sequence input every protocol takes, and helpers to sanitise it."""
import warnings
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from .boxes import as_boxes

__all__ = [
    'SequenceInput', 'ProtocolResult', 'InvalidPredictionWarning',
    'ToolkitError', 'align_lengths', 'format_frames'
]


class InvalidPredictionWarning(UserWarning):
    """A predicted box is NaN or has a non-positive size, or lengths differ."""


class ToolkitError(Exception):
    """Raised where the imitated toolkit itself refuses a sequence."""


@dataclass
class SequenceInput:
    """One video to score.

    Args:
        name: video name.
        gt_bboxes: ``(N, 4)`` ground truth ``x, y, w, h``; NaN rows allowed.
        pred_bboxes: ``(N, 4)`` predictions ``x, y, w, h``; row 0 is the
            tracker's own row 0 (toolkits that replace it by GT do so).
        visible: ``(N,)`` bool, the dataset's visibility flags (LaSOT: not
            full_occlusion and not out_of_view; GOT-10k: not absent and
            cover > 0). ``None``: no visibility information.
        cover: ``(N,)`` GOT-10k cover classes 0..8 (``None`` if unknown).
        image_size: ``(W, H)`` of the frames (GOT-10k clipping), or ``None``.
        frame_times: ``(N,)`` seconds per frame, or ``None``.
    """
    name: str
    gt_bboxes: np.ndarray
    pred_bboxes: np.ndarray
    visible: Optional[np.ndarray] = None
    cover: Optional[np.ndarray] = None
    image_size: Optional[Tuple[float, float]] = None
    frame_times: Optional[np.ndarray] = None

    def __post_init__(self) -> None:
        self.gt_bboxes = as_boxes(self.gt_bboxes)
        self.pred_bboxes = as_boxes(self.pred_bboxes)
        n = len(self.gt_bboxes)
        if self.visible is not None:
            self.visible = np.asarray(self.visible).astype(bool).reshape(-1)
            if len(self.visible) != n:
                raise ValueError(f'{self.name}: {len(self.visible)} '
                                 f'visibility flags for {n} GT boxes')
        if self.cover is not None:
            self.cover = np.asarray(self.cover, dtype=np.float64).reshape(-1)
            if len(self.cover) != n:
                raise ValueError(f'{self.name}: {len(self.cover)} cover '
                                 f'labels for {n} GT boxes')
        if self.frame_times is not None:
            self.frame_times = np.asarray(
                self.frame_times, dtype=np.float64).reshape(-1)


@dataclass
class ProtocolResult:
    """What a protocol returns for a dataset.

    ``metrics`` holds the dataset-level numbers in percent (or ``error``),
    ``per_sequence`` the per-video numbers, ``curves`` the averaged curves
    for plots: ``{'success': (x, y), 'precision': (x, y), ...}`` with ``y`` in
    percent.
    """
    protocol: str
    metrics: Dict[str, object]
    per_sequence: Dict[str, Dict[str, object]]
    curves: Dict[str, Tuple[np.ndarray, np.ndarray]] = field(
        default_factory=dict)

    def to_dict(self) -> Dict[str, object]:
        """JSON form: ``{METRIC: value, ..., 'per_sequence': {...}}``."""
        out = dict(self.metrics)
        out['per_sequence'] = {
            k: dict(v)
            for k, v in self.per_sequence.items()
        }
        return out


def format_frames(frames: Sequence[int], limit: int = 20) -> str:
    """``'3, 7, 9'`` with at most ``limit`` entries."""
    frames = [int(f) for f in frames]
    text = ', '.join(str(f) for f in frames[:limit])
    if len(frames) > limit:
        text += f', ... ({len(frames)} in all)'
    return text


def align_lengths(seq: SequenceInput, protocol: str) -> np.ndarray:
    """Predictions cut or NaN-padded to the GT length, with a warning."""
    pred, n = seq.pred_bboxes, len(seq.gt_bboxes)
    if len(pred) == n:
        return pred.copy()
    warnings.warn(
        f'[{protocol}] video {seq.name!r}: {len(pred)} predicted boxes for '
        f'{n} GT boxes; ' + ('extra rows ignored' if len(pred) > n else
                             f'frames {len(pred)}..{n - 1} count as misses'),
        InvalidPredictionWarning, stacklevel=3)
    if len(pred) > n:
        return pred[:n].copy()
    pad = np.full((n - len(pred), 4), np.nan)
    return np.concatenate([pred, pad], axis=0)


def warn_invalid(protocol: str, name: str, frames: np.ndarray,
                 treatment: str) -> None:
    """Warn that ``frames`` of video ``name`` hold invalid predictions."""
    frames = np.flatnonzero(frames) if frames.dtype == bool else frames
    if len(frames) == 0:
        return
    warnings.warn(
        f'[{protocol}] video {name!r}: invalid predicted box (NaN or '
        f'non-positive size) at frame(s) {format_frames(frames)}: {treatment}',
        InvalidPredictionWarning, stacklevel=3)


def nan_rows(boxes: np.ndarray) -> np.ndarray:
    """Rows with any NaN."""
    return np.isnan(boxes).any(axis=1)


def stack_or_empty(curves: List[np.ndarray], width: int) -> np.ndarray:
    """Stack per-sequence curves; an empty list gives shape ``(0, width)``."""
    if not curves:
        return np.zeros((0, width))
    return np.stack(curves)


def invalid_rows(boxes: np.ndarray) -> np.ndarray:
    """Rows with NaN/inf or ``w <= 0`` or ``h <= 0``."""
    with np.errstate(invalid='ignore'):
        return (~np.isfinite(boxes).all(axis=1)) | (boxes[:, 2] <= 0) | (
            boxes[:, 3] <= 0)
