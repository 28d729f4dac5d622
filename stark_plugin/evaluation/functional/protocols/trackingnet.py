"""The TrackingNet evaluation server (devkit ``metrics.py``)."""
from typing import Dict, List

import numpy as np

from ..boxes import iou_rounded_inclusive
from ..curves import (TRAPZ_NORM_PRECISION_THRESHOLDS,
                      TRAPZ_PRECISION_THRESHOLDS, TRAPZ_SUCCESS_THRESHOLDS,
                      auc_trapz)
from ..sequence import (SequenceInput, align_lengths, invalid_rows,
                        warn_invalid)
from .base import BaseProtocol

__all__ = ['TrackingNetServerProtocol']


def _frac(hits: np.ndarray) -> np.ndarray:
    return hits.sum(axis=0).astype(float) / len(hits)


class TrackingNetServerProtocol(BaseProtocol):
    """TrackingNet server.

    Every coordinate rounded (half to even), row 0 replaced by GT, IoU with
    inclusive corners counted **>=** t on 21 thresholds; centre distance and
    GT-size-normalized distance on 21 thresholds (0..50 px, 0..0.5); the
    three curves averaged over sequences and integrated with the trapezoid
    rule over x in [0, 1]. ``coverage`` = share of rows whose rounded
    ``x + y + w + h > 0``. No visibility.
    """
    name = 'trackingnet_server'
    metric_keys = ('success_trapz', 'precision_trapz_0_50px',
                   'norm_precision_trapz_0_0.5', 'coverage')

    def evaluate_sequence(self, seq: SequenceInput) -> Dict[str, object]:
        pred = np.round(align_lengths(seq, self.name))
        gt = np.round(seq.gt_bboxes)
        pred[0] = gt[0]
        bad = invalid_rows(pred)
        if bad.any():
            warn_invalid(self.name, seq.name, bad,
                         'counted as the server does (NaN: a miss)')
        with np.errstate(invalid='ignore', divide='ignore'):
            sanity = (pred[:, 3] + pred[:, 2] + pred[:, 0] + pred[:, 1]) > 0
            iou = iou_rounded_inclusive(pred, gt)
            c_gt = gt[:, :2] + (gt[:, 2:] + 1.0) / 2.0
            c_pr = pred[:, :2] + (pred[:, 2:] + 1.0) / 2.0
            d = c_gt - c_pr
            dist = np.sqrt(d[:, 0] * d[:, 0] + d[:, 1] * d[:, 1])
            ndist = np.sqrt(d[:, 0] / gt[:, 2] * d[:, 0] / gt[:, 2] +
                            d[:, 1] / gt[:, 3] * d[:, 1] / gt[:, 3])
            succ = _frac(iou[:, None] >= TRAPZ_SUCCESS_THRESHOLDS[None])
            prec = _frac(dist[:, None] <= TRAPZ_PRECISION_THRESHOLDS[None])
            norm = _frac(ndist[:, None] <=
                         TRAPZ_NORM_PRECISION_THRESHOLDS[None])
        per_seq = {
            'success_trapz': auc_trapz(succ) * 100,
            'precision_trapz_0_50px': auc_trapz(prec) * 100,
            'norm_precision_trapz_0_0.5': auc_trapz(norm) * 100,
            'coverage': float(np.mean(sanity)) * 100,
        }
        return dict(per_sequence=per_seq, succ=succ, prec=prec, norm=norm,
                    sanity=sanity)

    def aggregate(self, states: List[Dict[str, object]]):
        n = len(states)
        sums = {k: np.zeros(21) for k in ('succ', 'prec', 'norm')}
        for s in states:
            for k in sums:
                sums[k] += s[k]
        succ, prec, norm = (sums[k] / n for k in ('succ', 'prec', 'norm'))
        sanity = np.concatenate([s['sanity'] for s in states])
        metrics = {
            'success_trapz': auc_trapz(succ) * 100,
            'precision_trapz_0_50px': auc_trapz(prec) * 100,
            'norm_precision_trapz_0_0.5': auc_trapz(norm) * 100,
            'coverage': float(np.mean(sanity)) * 100,
        }
        return metrics, {
            'success': (TRAPZ_SUCCESS_THRESHOLDS, succ * 100),
            'precision': (TRAPZ_PRECISION_THRESHOLDS, prec * 100),
            'norm_precision': (TRAPZ_NORM_PRECISION_THRESHOLDS, norm * 100),
        }
