"""Anchor-based multistart (VOT2020-2022) analyses of vot-toolkit 0.9.0."""
from typing import Dict, List, Mapping, Sequence, Tuple

import numpy as np

from .regions import Regions
from .sequence import VOTSequence

__all__ = [
    'anchor_runs', 'failure_progress', 'eao_partial', 'multistart_lengths',
    'evaluate_multistart'
]


def anchor_runs(seq: VOTSequence) -> List[Tuple[int, np.ndarray]]:
    """``(anchor, frames)`` of every anchor: forward anchors first, then
    backward ones, each in frame order; frames ``a..N-1`` forward,
    ``a, a-1, ..., 0`` backward."""
    forward, backward = seq.anchor_frames()
    if not forward and not backward:
        raise ValueError(f'{seq.name}: the sequence has no anchors')
    return ([(a, np.arange(a, len(seq))) for a in forward]
            + [(a, np.arange(a, -1, -1)) for a in backward])


def multistart_lengths(sequences: Sequence[VOTSequence]) -> List[int]:
    """Lengths of the anchor sub-sequences (``N - a`` forward, ``a + 1``
    backward), the sample of the multistart EAO interval."""
    return [len(frames) for seq in sequences
            for _, frames in anchor_runs(seq)]


def failure_progress(overlaps: np.ndarray, gt_empty: np.ndarray,
                     grace: int = 10, threshold: float = 0.1) -> int:
    """Frames tracked before the failure: the start of the first run of
    ``grace`` consecutive frames with overlap ``<= threshold`` on non-empty
    ground truth (an empty frame breaks a run); the length if none."""
    bad = (np.asarray(overlaps) <= threshold) & ~np.asarray(gt_empty)
    if grace <= 0 or len(bad) < grace:
        return len(bad)
    full = np.lib.stride_tricks.sliding_window_view(bad, grace).all(1)
    hits = np.flatnonzero(full)
    return int(hits[0]) if len(hits) else len(bad)


def eao_partial(overlaps: Sequence[np.ndarray], success: Sequence[bool],
                length: int) -> Tuple[np.ndarray, np.ndarray]:
    """One sequence's ``(phi, active)`` curves of ``length`` elements.

    For ``j >= 1`` every anchor adds ``mean(o[1..j])`` while ``j < len(o)``;
    a failed anchor (overlaps already zeroed from its failure on) adds
    ``sum(o[1:]) / (j - 1)`` after its end (the toolkit divides by
    ``j - 1``); ``phi = phi / active`` where ``active > 0``.
    """
    phi = np.zeros(length)
    active = np.zeros(length)
    j = np.arange(length)
    for o, ok in zip(overlaps, success):
        o = np.asarray(o, np.float64)
        inside = (j >= 1) & (j < len(o))
        phi[inside] += np.cumsum(o[1:])[j[inside] - 1] / j[inside]
        active[inside] += 1
        if not ok:
            after = (j >= 1) & (j >= len(o))
            with np.errstate(divide='ignore', invalid='ignore'):
                phi[after] += np.sum(o[1:]) / (j[after] - 1)
            active[after] += 1
    with np.errstate(divide='ignore', invalid='ignore'):
        return np.where(active > 0, phi / np.maximum(active, 1), 0.0), active


def _sequence(seq: VOTSequence, runs: Mapping[int, Regions], grace: int,
              threshold: float, bounded: bool, length: int) -> Dict:
    accuracy = 0.0
    progress_total = total = 0
    eao_o, eao_ok = [], []
    for anchor, frames in anchor_runs(seq):
        if anchor not in runs:
            raise ValueError(f'{seq.name}: no trajectory for anchor {anchor}')
        run = runs[anchor]
        run = run if isinstance(run, Regions) else Regions.from_list(run)
        o = seq.overlaps(run, frames, bounded=bounded)
        empty = seq.groundtruth.take(frames).is_empty()
        progress = failure_progress(o, empty, grace, threshold)
        progress_total += progress
        accuracy += float(np.sum(o[:progress]))
        total += len(frames)
        o = o.copy()
        o[progress:] = 0.0
        eao_o.append(o)
        eao_ok.append(progress >= len(frames))
    acc = accuracy / progress_total if progress_total > 0 else 0.0
    rob = progress_total / total
    phi, active = eao_partial(eao_o, eao_ok, length)
    return dict(accuracy=acc, robustness=rob, ar_point=(rob, acc),
                progress_frames=progress_total, length=len(seq),
                eao_partial_curve=phi, eao_partial_active=active)


def evaluate_multistart(sequences: Sequence[VOTSequence],
                        trajectories: Mapping[str, Mapping[int, Regions]],
                        low: int, high: int, grace: int = 10,
                        threshold: float = 0.1, burnin: int = 10) -> Dict:
    """Multistart experiment: AR and EAO as ``vot analysis`` computes them.

    Args:
        sequences: the sequences (with anchors), in dataset order.
        trajectories: ``{sequence name: {anchor frame: trajectory}}``; a
            trajectory starts at its anchor and runs in its direction.
        low, high: EAO interval. The curve has ``high`` elements (indices
            ``0..high-1``), so the score averages ``high - low`` values.
        grace, threshold: failure = ``grace`` consecutive frames with
            overlap ``<= threshold`` on non-empty ground truth.
        burnin: unused by the measures; as in the toolkit, overlaps are
            bounded by the image only when ``burnin > 0``.

    Returns:
        ``eao``, ``eao_curve``, ``accuracy``, ``robustness``, ``ar_point``,
        ``accuracy_weight``, ``robustness_weight`` and ``per_sequence``
        ``{name: {accuracy, robustness, ar_point, progress_frames, length,
        eao_partial_curve, eao_partial_active}}``.
    """
    per_seq = {}
    for seq in sequences:
        if seq.name not in trajectories:
            raise ValueError(f'{seq.name}: no trajectories')
        per_seq[seq.name] = _sequence(seq, trajectories[seq.name], grace,
                                      threshold, burnin > 0, high)
    curve, weights = np.zeros(high), np.zeros(high)
    acc = rob = acc_w = rob_w = 0.0
    for seq in sequences:
        v = per_seq[seq.name]
        curve += v['eao_partial_curve'] * v['eao_partial_active']
        weights += v['eao_partial_active']
        acc += v['accuracy'] * v['progress_frames']
        rob += v['robustness'] * v['length']
        acc_w += v['progress_frames']
        rob_w += v['length']
    curve = np.where(weights > 0, curve / np.maximum(weights, 1), 0.0)
    part = curve[low:high + 1]
    acc = acc / acc_w if acc_w > 0 else 0.0  # the toolkit divides by zero
    return dict(eao=float(np.mean(part)) if len(part) else float('nan'),
                eao_curve=curve, accuracy=acc, robustness=rob / rob_w,
                ar_point=(rob / rob_w, acc),
                accuracy_weight=int(acc_w), robustness_weight=int(rob_w),
                per_sequence=per_seq)
