"""mmtracking's ``eval_sot_ope`` (dev-1.x; master gives the same)."""
from typing import Dict, List

import numpy as np

from ..boxes import iou_mmdet_float32, xywh_to_xyxy
from ..curves import (NORM_PRECISION_THRESHOLDS, PRECISION_THRESHOLDS,
                      SUCCESS_THRESHOLDS)
from ..sequence import (SequenceInput, align_lengths, invalid_rows,
                        warn_invalid)
from .base import BaseProtocol

__all__ = ['MMTrackingProtocol']


def _center_hits(gt_c: np.ndarray, pred_c: np.ndarray, thresholds: np.ndarray,
                 length: int) -> np.ndarray:
    """mmtracking's ``success_error``: GT centres with x or y <= 0 get
    distance -1, a hit at every threshold."""
    dist = -np.ones(len(gt_c))
    with np.errstate(invalid='ignore'):
        ok = (gt_c[:, 0] > 0) & (gt_c[:, 1] > 0)
        dist[ok] = np.sqrt(np.sum((gt_c[ok] - pred_c[ok])**2, axis=1))
        return (dist[:, None] <= thresholds[None]).sum(axis=0) / float(length)


class MMTrackingProtocol(BaseProtocol):
    """mmtracking OPE evaluation.

    The tracker's row 0 is kept as written. IoU in float32 on ``x2 = x + w``
    corners; invalid-GT frames get IoU -1 (miss); the centre test only asks
    whether the GT centre has x > 0 and y > 0, else distance -1 (a hit).
    ``visible_only``: invisible frames (dataset flag, or GT w/h <= 0) are
    removed from the numerator, the denominator stays the full length.
    Success = mean over sequences and thresholds.
    """
    metric_keys = ('success_auc', 'precision_20px', 'norm_precision_0.2',
                   'op50', 'op75')

    def __init__(self, visible_only: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.visible_only = visible_only
        self.name = ('mmtracking_visible_only'
                     if visible_only else 'mmtracking_all_frames')

    def evaluate_sequence(self, seq: SequenceInput) -> Dict[str, object]:
        pred = align_lengths(seq, self.name)
        gt = seq.gt_bboxes
        bad = invalid_rows(pred)
        if bad.any():
            warn_invalid(self.name, seq.name, bad,
                         'as in mmtracking, NaN is a miss; a non-positive '
                         'size gives IoU 0 but its centre still counts')
        length = len(pred)
        if self.visible_only:
            with np.errstate(invalid='ignore'):
                keep = (gt[:, 2] > 0) & (gt[:, 3] > 0)
            if seq.visible is not None:
                keep &= seq.visible
        else:
            keep = np.ones(length, dtype=bool)
        g = xywh_to_xyxy(gt)[keep]
        p = xywh_to_xyxy(pred)[keep]

        iou = -np.ones(len(g))
        with np.errstate(invalid='ignore'):
            valid = (g[:, 2] > g[:, 0]) & (g[:, 3] > g[:, 1])
        iou[valid] = iou_mmdet_float32(g[valid], p[valid])
        with np.errstate(invalid='ignore'):
            succ = (iou[:, None] > SUCCESS_THRESHOLDS[None]).sum(0) / float(
                length)
            g_c = np.array((0.5 * (g[:, 2] + g[:, 0]),
                            0.5 * (g[:, 3] + g[:, 1]))).T.reshape(-1, 2)
            p_c = np.array((0.5 * (p[:, 2] + p[:, 0]),
                            0.5 * (p[:, 3] + p[:, 1]))).T.reshape(-1, 2)
            prec = _center_hits(g_c, p_c, PRECISION_THRESHOLDS, length)
            g_wh = np.array((g[:, 2] - g[:, 0],
                             g[:, 3] - g[:, 1])).T.reshape(-1, 2)
            norm = _center_hits(g_c / (g_wh + 1e-16), p_c / (g_wh + 1e-16),
                                NORM_PRECISION_THRESHOLDS, length)
        per_seq = {
            'success_auc': float(np.mean(succ)) * 100,
            'precision_20px': float(prec[20]) * 100,
            'norm_precision_0.2': float(norm[20]) * 100,
        }
        return dict(per_sequence=per_seq, succ=succ, prec=prec, norm=norm)

    def aggregate(self, states: List[Dict[str, object]]):
        succ_all = np.stack([s['succ'] for s in states])
        succ = np.mean(succ_all, axis=0)
        prec = np.mean(np.stack([s['prec'] for s in states]), axis=0)
        norm = np.mean(np.stack([s['norm'] for s in states]), axis=0)
        metrics = {
            'success_auc': float(np.mean(succ_all)) * 100,
            'precision_20px': float(prec[20]) * 100,
            'norm_precision_0.2': float(norm[20]) * 100,
            'op50': float(succ[10]) * 100,
            'op75': float(succ[15]) * 100,
        }
        return metrics, {
            'success': (SUCCESS_THRESHOLDS, succ * 100),
            'precision': (PRECISION_THRESHOLDS, prec * 100),
            'norm_precision': (NORM_PRECISION_THRESHOLDS, norm * 100),
        }
