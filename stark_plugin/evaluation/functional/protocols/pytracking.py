"""STARK's / pytracking's ``extract_results`` + ``plot_results`` scoring."""
import warnings
from typing import Dict, List

import numpy as np

from ..boxes import center_error, iou_inclusive, normalized_center_error
from ..curves import (NORM_PRECISION_THRESHOLDS, PRECISION_THRESHOLDS,
                      PYTRACKING_SUCCESS_THRESHOLDS)
from ..sequence import (InvalidPredictionWarning, SequenceInput, ToolkitError,
                        align_lengths, nan_rows, warn_invalid)
from .base import BaseProtocol

__all__ = ['PytrackingProtocol']

_F32 = np.float32


def _curve_f32(hits: np.ndarray, length: int) -> np.ndarray:
    """``hits.sum(0).float() / length`` in float32, as pytracking stores it."""
    return hits.sum(axis=0).astype(_F32) / _F32(length)


class PytrackingProtocol(BaseProtocol):
    """pytracking analysis (STARK ``lib/test/analysis``).

    Row 0 is replaced by GT; zero-size predictions take the previous row;
    invalid GT (w or h <= 0, NaN) and, where the dataset gives visibility
    (LaSOT), invisible frames are IoU misses (-1) and centre-error misses
    (inf) but normalized-centre *hits* (-1), except invisible LaSOT frames
    (inf). Curves are stored in float32, averaged over sequences.
    ``exclude_invalid=True`` divides by the number of valid frames only.
    NaN or negative-size predictions make the toolkit raise; with
    ``on_invalid='miss'`` those frames count as misses instead.
    """
    name = 'pytracking'
    metric_keys = ('success_auc', 'precision_20px', 'norm_precision_0.2',
                   'op50', 'op75', 'avg_overlap')

    def __init__(self, exclude_invalid: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.exclude_invalid = exclude_invalid
        if exclude_invalid:
            self.name = 'pytracking_exclude_invalid'

    def _uses_visibility(self) -> bool:
        # pytracking's dataset classes hand out visibility for LaSOT only
        return self.benchmark in ('lasot', 'custom')

    def evaluate_sequence(self, seq: SequenceInput) -> Dict[str, object]:
        gt = seq.gt_bboxes
        pred = align_lengths(seq, self.name)
        bad = nan_rows(pred) | (pred[:, 2:] < 0).any(axis=1)
        if bad.any():
            if self.on_invalid == 'toolkit':
                raise ToolkitError('Error: Invalid results')
            warn_invalid(self.name, seq.name, bad,
                         'pytracking would stop the evaluation; counted as '
                         'a miss')
        gt_nan = nan_rows(gt)
        zero = (pred[:, 2:] == 0).any(axis=1)
        for i in range(1, len(pred)):
            if zero[i] and not gt_nan[i]:
                pred[i] = pred[i - 1]
        bad = nan_rows(pred) | (pred[:, 2:] < 0).any(axis=1)
        pred[0] = gt[0]
        bad[0] = False

        visible = seq.visible if self._uses_visibility() else None
        with np.errstate(invalid='ignore'):
            valid = (gt[:, 2] > 0) & (gt[:, 3] > 0)
        if visible is not None:
            valid &= visible
        err_center = center_error(pred, gt)
        err_norm = normalized_center_error(pred, gt)
        iou = iou_inclusive(pred, gt)
        iou[bad] = 0.0
        err_center[bad] = np.inf
        err_norm[bad] = np.inf
        err_center[~valid] = -1.0 if self.benchmark == 'uav123' else np.inf
        err_norm[~valid] = -1.0
        iou[~valid] = -1.0
        if visible is not None:
            err_norm[~visible] = np.inf
            err_center[~visible] = np.inf
        if np.isnan(iou).any():
            frames = np.flatnonzero(np.isnan(iou))
            if self.on_invalid == 'toolkit':
                raise ToolkitError('Nans in calculated overlap')
            warn_invalid(self.name, seq.name, frames,
                         'overlap is NaN; counted as a miss')
            iou[frames] = 0.0

        length = int(valid.sum()) if self.exclude_invalid else len(gt)
        if length <= 0:
            if self.on_invalid == 'toolkit':
                raise ToolkitError('Seq length zero')
            warnings.warn(
                f'[{self.name}] video {seq.name!r}: no valid frame; the '
                'sequence is left out', InvalidPredictionWarning)
            return {'per_sequence': {'error': 'no valid frame'}, 'skip': True}
        with np.errstate(invalid='ignore'):
            succ = _curve_f32(
                iou[:, None] > PYTRACKING_SUCCESS_THRESHOLDS[None], length)
            prec = _curve_f32(
                err_center[:, None] <= PRECISION_THRESHOLDS[None], length)
            norm = _curve_f32(
                err_norm[:, None] <= NORM_PRECISION_THRESHOLDS[None], length)
        avg = _F32(iou[valid].mean()) if valid.any() else _F32(np.nan)
        per_seq = {
            'success_auc': float((succ * _F32(100)).mean(dtype=_F32)),
            'precision_20px': float(prec[20] * _F32(100)),
            'norm_precision_0.2': float(norm[20] * _F32(100)),
            'op50': float(succ[10] * _F32(100)),
            'op75': float(succ[15] * _F32(100)),
            'avg_overlap': float(avg * _F32(100)),
        }
        return dict(per_sequence=per_seq, succ=succ, prec=prec, norm=norm,
                    avg=avg)

    def aggregate(self, states: List[Dict[str, object]]):
        succ = np.stack([s['succ'] for s in states]).mean(0, dtype=_F32)
        prec = np.stack([s['prec'] for s in states]).mean(0, dtype=_F32)
        norm = np.stack([s['norm'] for s in states]).mean(0, dtype=_F32)
        succ, prec, norm = (c * _F32(100) for c in (succ, prec, norm))
        avg = np.array([s['avg'] for s in states], dtype=_F32) * _F32(100)
        metrics = {
            'success_auc': float(succ.mean(dtype=_F32)),
            'precision_20px': float(prec[20]),
            'norm_precision_0.2': float(norm[20]),
            'op50': float(succ[10]),
            'op75': float(succ[15]),
            'avg_overlap':
            float(np.nanmean(avg)) if len(avg) else float('nan'),
        }
        curves = {
            'success': (PYTRACKING_SUCCESS_THRESHOLDS, succ.astype(float)),
            'precision': (PRECISION_THRESHOLDS, prec.astype(float)),
            'norm_precision': (NORM_PRECISION_THRESHOLDS, norm.astype(float)),
        }
        return metrics, curves
