"""The ``got10k`` package (0.1.3): its GOT-10k and OTB experiments."""
from typing import Dict, List

import numpy as np

from ..boxes import center_error, iou_got10k
from ..curves import PRECISION_THRESHOLDS, SUCCESS_THRESHOLDS
from ..sequence import (SequenceInput, align_lengths, invalid_rows,
                        warn_invalid)
from .base import BaseProtocol

__all__ = ['Got10kProtocol']

#: GOT-10k's 101-point success curve
GOT10K_THRESHOLDS = np.linspace(0, 1, 101)


class Got10kProtocol(BaseProtocol):
    """got10k toolkit: ``ExperimentGOT10k`` on GOT-10k, ``ExperimentOTB``
    elsewhere.

    GOT-10k: frame 0 dropped, frames with ``cover == 0`` dropped (falls back
    to ``visible`` when no cover labels are given), both boxes clipped to the
    image (when its size is known), IoU pooled over all kept frames of all
    sequences: AO, SR0.5, SR0.75 (read off the 101-point curve) and the mean
    FPS of all positive frame times. A NaN prediction makes the toolkit's AO
    NaN; with ``on_invalid='miss'`` it is IoU 0 instead.

    OTB experiment: row 0 replaced by GT, every frame counted, no
    visibility; per-sequence 21-point success and 51-point precision curves
    averaged over sequences; AUC = mean of the success curve.
    """
    name = 'got10k'

    @property
    def is_got10k(self) -> bool:
        return self.benchmark == 'got10k'

    @property
    def metric_keys(self):
        if self.is_got10k:
            return ('ao', 'sr_0.5', 'sr_0.75', 'speed_fps')
        return ('success_auc', 'precision_20px', 'success_rate_0.5')

    def evaluate_sequence(self, seq: SequenceInput) -> Dict[str, object]:
        if self.is_got10k:
            return self._got10k_sequence(seq)
        return self._otb_sequence(seq)

    def aggregate(self, states: List[Dict[str, object]]):
        if self.is_got10k:
            return self._got10k_aggregate(states)
        return self._otb_aggregate(states)

    # -- ExperimentGOT10k ------------------------------------------------
    def _got10k_sequence(self, seq: SequenceInput) -> Dict[str, object]:
        pred = align_lengths(seq, self.name)
        gt = seq.gt_bboxes
        bad = invalid_rows(pred)
        bad[0] = False
        if bad.any():
            warn_invalid(self.name, seq.name, bad,
                         'got10k clips a non-positive size to IoU 0; a NaN '
                         'box ' + ('makes AO NaN (toolkit mode)' if
                                   self.on_invalid == 'toolkit' else
                                   'counts as IoU 0 (the toolkit gives NaN)'))
        if seq.cover is not None:
            keep = seq.cover[1:] > 0
        elif seq.visible is not None:
            keep = seq.visible[1:]
        else:
            keep = np.ones(len(gt) - 1, dtype=bool)
        ious = iou_got10k(pred[1:], gt[1:], bound=seq.image_size)[keep]
        if self.on_invalid == 'miss':
            ious = np.nan_to_num(ious, nan=0.0)
        times = None
        if seq.frame_times is not None:
            t = seq.frame_times[~np.isnan(seq.frame_times)]
            times = t[t > 0]
        with np.errstate(invalid='ignore'):
            per_seq = {
                'ao':
                float(np.mean(ious)) * 100 if len(ious) else float('nan'),
                'sr_0.5': float(np.mean(ious > 0.5)) * 100
                if len(ious) else float('nan'),
                'frames_evaluated': int(len(ious)),
            }
        return dict(per_sequence=per_seq, ious=ious, times=times)

    def _got10k_aggregate(self, states: List[Dict[str, object]]):
        ious = np.concatenate([s['ious'] for s in states])
        with np.errstate(invalid='ignore'):
            curve = np.mean(ious[:, None] > GOT10K_THRESHOLDS[None], axis=0)
            metrics = {
                'ao': float(np.mean(ious)) * 100,
                'sr_0.5': float(np.mean(ious > 0.5)) * 100,
                'sr_0.75': float(curve[75]) * 100,
            }
        times = [s['times'] for s in states if s['times'] is not None]
        if times:
            times = np.concatenate(times)
            if len(times):
                metrics['speed_fps'] = float(np.mean(1.0 / times))
        return metrics, {'success': (GOT10K_THRESHOLDS, curve * 100)}

    # -- ExperimentOTB ---------------------------------------------------
    def _otb_sequence(self, seq: SequenceInput) -> Dict[str, object]:
        pred = align_lengths(seq, self.name)
        gt = seq.gt_bboxes
        pred[0] = gt[0]
        bad = invalid_rows(pred)
        if bad.any():
            warn_invalid(self.name, seq.name, bad,
                         'as in got10k, NaN is a miss; a non-positive size '
                         'gives IoU 0 but its centre still counts')
        ious = iou_got10k(pred, gt)
        errs = center_error(pred, gt)
        with np.errstate(invalid='ignore'):
            succ = np.mean(ious[:, None] > SUCCESS_THRESHOLDS[None], axis=0)
            prec = np.mean(errs[:, None] <= PRECISION_THRESHOLDS[None], axis=0)
        per_seq = {
            'success_auc': float(np.mean(succ)) * 100,
            'precision_20px': float(prec[20]) * 100,
            'success_rate_0.5': float(succ[10]) * 100,
        }
        return dict(per_sequence=per_seq, succ=succ, prec=prec)

    def _otb_aggregate(self, states: List[Dict[str, object]]):
        succ = np.mean(np.stack([s['succ'] for s in states]), axis=0)
        prec = np.mean(np.stack([s['prec'] for s in states]), axis=0)
        metrics = {
            'success_auc': float(np.mean(succ)) * 100,
            'precision_20px': float(prec[20]) * 100,
            'success_rate_0.5': float(succ[10]) * 100,
        }
        return metrics, {
            'success': (SUCCESS_THRESHOLDS, succ * 100),
            'precision': (PRECISION_THRESHOLDS, prec * 100),
        }
