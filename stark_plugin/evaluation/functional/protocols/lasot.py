"""The official LaSOT MATLAB toolkit (``eval_tracker.m`` and
``plot_draw_save.m``)."""
import warnings
from typing import Dict, List

import numpy as np

from ..boxes import iou_inclusive
from ..curves import (NORM_PRECISION_THRESHOLDS, PRECISION_THRESHOLDS,
                      SUCCESS_THRESHOLDS)
from ..sequence import (InvalidPredictionWarning, SequenceInput,
                        align_lengths, invalid_rows, nan_rows, warn_invalid)
from .base import BaseProtocol

__all__ = ['LasotToolkitProtocol']

_EPS = np.finfo(float).eps


class LasotToolkitProtocol(BaseProtocol):
    """LaSOT toolkit.

    Invalid predictions (NaN, w <= 0, h <= 0) take the previous row; row 0
    is replaced by GT; absent frames (``not visible``) are removed but the
    denominator stays the full length; a GT row is valid only if all of x,
    y, w, h are > 0 (else IoU -1, a miss, and centre error -1, a hit).
    Per metric, sequences whose curve is all zero are dropped before the
    curves are averaged.
    """
    name = 'lasot_toolkit'
    metric_keys = ('success_auc', 'precision_20px', 'norm_precision_0.2',
                   'op50', 'op75')

    def evaluate_sequence(self, seq: SequenceInput) -> Dict[str, object]:
        gt = seq.gt_bboxes
        pred = align_lengths(seq, self.name)
        bad = invalid_rows(pred)
        bad[0] = False
        if bad.any():
            warn_invalid(self.name, seq.name, bad,
                         'replaced by the previous box, as the LaSOT '
                         'toolkit does')
        gt_ok = ~nan_rows(gt)
        for i in range(1, len(pred)):
            if bad[i] and gt_ok[i]:
                pred[i] = pred[i - 1]
        pred[0] = gt[0]
        length = len(gt)
        absent = (~seq.visible if seq.visible is not None else np.zeros(
            length, dtype=bool))
        rect, anno = pred[~absent], gt[~absent]
        with np.errstate(invalid='ignore', divide='ignore'):
            c_gt = anno[:, :2] + (anno[:, 2:] - 1) / 2
            c_pr = rect[:, :2] + (rect[:, 2:] - 1) / 2
            err = np.sqrt(((c_pr - c_gt)**2).sum(axis=1))
            err_n = np.sqrt(
                ((c_pr / anno[:, 2:] - c_gt / anno[:, 2:])**2).sum(axis=1))
            idx = (anno > 0).sum(axis=1) == 4
        iou = -np.ones(len(anno))
        iou[idx] = iou_inclusive(rect[idx], anno[idx])
        err[~idx] = -1
        err_n[~idx] = -1
        denom = length + _EPS
        with np.errstate(invalid='ignore'):
            succ = (iou[:, None] > SUCCESS_THRESHOLDS[None]).sum(0) / denom
            prec = (err[:, None] <= PRECISION_THRESHOLDS[None]).sum(0) / denom
            norm = (err_n[:, None] <=
                    NORM_PRECISION_THRESHOLDS[None]).sum(0) / denom
        per_seq = {
            'success_auc': float(np.mean(succ)) * 100,
            'precision_20px': float(prec[20]) * 100,
            'norm_precision_0.2': float(norm[20]) * 100,
        }
        return dict(per_sequence=per_seq, name=seq.name, succ=succ, prec=prec,
                    norm=norm)

    @staticmethod
    def _average(states, key):
        """Mean curve over the sequences whose curve sum exceeds eps."""
        curves = np.stack([s[key] for s in states])
        keep = curves.sum(axis=1) > _EPS
        dropped = [s['name'] for s, k in zip(states, keep) if not k]
        if not keep.any():
            warnings.warn(f'[lasot_toolkit] every sequence has an all-zero '
                          f'{key} curve; reporting 0',
                          InvalidPredictionWarning)
            return np.zeros(curves.shape[1]), dropped
        return curves[keep].mean(axis=0), dropped

    def aggregate(self, states: List[Dict[str, object]]):
        succ, d_succ = self._average(states, 'succ')
        prec, d_prec = self._average(states, 'prec')
        norm, d_norm = self._average(states, 'norm')
        metrics = {
            'success_auc': float(np.mean(succ)) * 100,
            'precision_20px': float(prec[20]) * 100,
            'norm_precision_0.2': float(norm[20]) * 100,
            'op50': float(succ[10]) * 100,
            'op75': float(succ[15]) * 100,
            'success_auc_sequences_dropped': d_succ,
            'precision_20px_sequences_dropped': d_prec,
            'norm_precision_0.2_sequences_dropped': d_norm,
        }
        return metrics, {
            'success': (SUCCESS_THRESHOLDS, succ * 100),
            'precision': (PRECISION_THRESHOLDS, prec * 100),
            'norm_precision': (NORM_PRECISION_THRESHOLDS, norm * 100),
        }
