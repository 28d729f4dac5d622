"""Long-term (VOT-LT) tracking precision, recall and F-score, as the
``average_tpr`` / ``pr_curve`` / ``f_curve`` analyses of vot-toolkit's
``vot.analysis.longterm`` compute them from one-pass runs with per-frame
confidences. The tests compare every number and both curves with
``vot analysis`` of vot-toolkit 0.7.4 and 0.9.0 on a kept toolkit run
(``tests/data/vot_toolkit/longterm``). ``pr_curve`` rows here are
(precision, recall); the toolkit's averaged curve holds (recall,
precision) pairs.

* Thresholds: all confidences of all runs of all sequences (NaN dropped),
  sorted in decreasing order; with more than ``resolution - 2`` of them,
  ``resolution - 2`` picks at ``round(linspace(d, n - d))`` with
  ``d = floor(n / (resolution - 2))``; then ``+inf`` first and ``-inf``
  last.
* Per run and threshold ``t``: the frames with confidence ``>= t`` (a
  frame without confidence, e.g. the initialisation frame, has 0);
  precision = mean overlap over them (1 if none), recall = their summed
  overlap / number of non-special ground-truth frames. Runs are averaged
  per sequence, sequences averaged with equal weight.
* F = 2 Pr Re / (Pr + Re) per threshold (NaN where both are 0); the
  reported point is the first threshold of maximal F.
"""
import math
from typing import Dict, List, Mapping, Optional, Sequence

import numpy as np

from .regions import Regions
from .sequence import VOTSequence

__all__ = ['determine_thresholds', 'precision_recall_curve',
           'evaluate_longterm']


def determine_thresholds(scores: Sequence[float],
                         resolution: int = 100) -> List[float]:
    """The confidence thresholds of the toolkit's ``_Thresholds``."""
    kept = sorted((float(s) for s in scores if not math.isnan(float(s))),
                  reverse=True)
    if len(kept) > resolution - 2:
        delta = math.floor(len(kept) / (resolution - 2))
        idxs = np.round(np.linspace(delta, len(kept) - delta,
                                    num=resolution - 2)).astype(int)
        kept = [kept[i] for i in idxs]
    return [math.inf] + kept + [-math.inf]


def _confidences(values: Optional[Sequence[Optional[float]]],
                 length: int) -> np.ndarray:
    if values is None:
        return np.zeros(length)
    if len(values) != length:
        raise ValueError(f'{len(values)} confidences for {length} frames')
    return np.array([0.0 if v is None else float(v) for v in values])


def precision_recall_curve(seq: VOTSequence, run: Regions,
                           confidence: np.ndarray,
                           thresholds: Sequence[float],
                           bounded: bool = True) -> np.ndarray:
    """``(T, 2)`` precision and recall of one run at every threshold."""
    overlaps = seq.overlaps(run, bounded=bounded)
    visible = int((~seq.groundtruth.is_special()).sum())
    out = np.zeros((len(thresholds), 2))
    for i, t in enumerate(thresholds):
        subset = confidence >= t
        if not subset.any():
            out[i] = (1.0, 0.0)
        else:
            with np.errstate(divide='ignore', invalid='ignore'):
                out[i] = (np.mean(overlaps[subset]),
                          np.sum(overlaps[subset]) / visible)
    return out


def evaluate_longterm(sequences: Sequence[VOTSequence],
                      trajectories: Mapping[str, Sequence[Regions]],
                      confidences: Mapping[str, Sequence[Sequence]],
                      resolution: int = 100, bounded: bool = True) -> Dict:
    """Tracking precision / recall / F-score of one-pass runs.

    Args:
        sequences: the sequences, in dataset order.
        trajectories: ``{name: [run, ...]}``.
        confidences: ``{name: [per-frame confidences of each run]}``
            (``None`` entries = no confidence = 0).
        resolution: number of thresholds (the toolkit's default 100).
        bounded: clip overlaps to the image.

    Returns:
        ``precision``, ``recall``, ``f_score``, ``threshold`` (of the best
        F), ``pr_curve`` ``(T, 2)`` (precision, recall), ``f_curve``,
        ``thresholds``, ``per_sequence`` ``{name: {pr_curve}}``.
    """
    runs, confs = {}, {}
    for seq in sequences:
        if not trajectories.get(seq.name):
            raise ValueError(f'{seq.name}: no trajectory')
        runs[seq.name] = [r if isinstance(r, Regions) else
                          Regions.from_list(r)
                          for r in trajectories[seq.name]]
        given = list(confidences.get(seq.name) or [])
        given += [None] * (len(runs[seq.name]) - len(given))
        confs[seq.name] = [_confidences(c, len(r))
                           for c, r in zip(given, runs[seq.name])]
    thresholds = determine_thresholds(
        np.concatenate([c for s in sequences for c in confs[s.name]]),
        resolution)
    per_seq, curve = {}, np.zeros((len(thresholds), 2))
    for seq in sequences:
        part = sum(precision_recall_curve(seq, r, c, thresholds, bounded)
                   for r, c in zip(runs[seq.name], confs[seq.name]))
        part = part / len(runs[seq.name])
        per_seq[seq.name] = dict(pr_curve=part)
        curve += part
    curve /= len(sequences)
    pr, re = curve[:, 0], curve[:, 1]
    with np.errstate(divide='ignore', invalid='ignore'):
        f_curve = 2 * pr * re / (pr + re)
    best = int(np.nanargmax(f_curve))
    return dict(precision=float(pr[best]), recall=float(re[best]),
                f_score=float(f_curve[best]),
                threshold=float(thresholds[best]), pr_curve=curve,
                f_curve=f_curve, thresholds=np.array(thresholds),
                per_sequence=per_seq)
