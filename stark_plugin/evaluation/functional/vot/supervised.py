"""Reset-based (supervised, VOT2013-2019) analyses of vot-toolkit 0.9.0.

``variant='mmtracking'`` reproduces mmtracking 0.x's ``eval_sot_vot``
instead: one run (the first), robustness as failures per 100 frames, the
EAO curve divided in float32, and by default the overlap rules of
vot-toolkit 0.5.3 (special or empty regions overlap 0), the toolkit version
mmtracking 0.14 was used with.
"""
import math
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from .regions import FAILURE, INITIALIZATION, UNKNOWN, Regions
from .sequence import VOTSequence

__all__ = [
    'supervised_accuracy', 'count_failures', 'eao_fragments',
    'supervised_eao_curve', 'eao_score', 'evaluate_supervised', 'VARIANTS'
]

VARIANTS = ('vot-toolkit', 'mmtracking')


def supervised_accuracy(overlaps: np.ndarray, trajectory: Regions,
                        burnin: int = 10,
                        ignore_unknown: bool = True) -> Tuple[float, int]:
    """Mean overlap without skipped (``0``) and failure (``2``) frames and
    ``burnin`` frames from every initialisation (``1``, included); ``(0,
    0)`` when no frame is left. Returns ``(accuracy, frames used)``."""
    overlaps = np.asarray(overlaps, np.float64)
    keep = ~trajectory.is_special(FAILURE)
    if ignore_unknown:
        keep &= ~trajectory.is_special(UNKNOWN)
    for i in np.flatnonzero(trajectory.is_special(INITIALIZATION)):
        keep[i:i + burnin] = False
    if not keep.any():
        return 0.0, 0
    return float(np.mean(overlaps[keep])), int(keep.sum())


def count_failures(trajectory: Regions) -> int:
    """Number of failure (``2``) frames."""
    return int(trajectory.is_special(FAILURE).sum())


def eao_fragments(overlaps: np.ndarray,
                  trajectory: Regions) -> List[Tuple[np.ndarray, bool]]:
    """``(overlaps[init:failure], succeeded)`` pieces of one run: the k-th
    initialisation up to (excluding) the k-th failure, then the last
    initialisation to the end if it did not fail; a run without failure is
    one successful piece."""
    overlaps = np.asarray(overlaps, np.float64)
    fails = np.flatnonzero(trajectory.is_special(FAILURE))
    inits = np.flatnonzero(trajectory.is_special(INITIALIZATION))
    if len(fails) == 0:
        return [(overlaps, True)]
    if len(inits) < len(fails):
        raise ValueError(f'{len(fails)} failures but only {len(inits)} '
                         'initialisations in the trajectory')
    out = [(overlaps[inits[k]:fails[k]], False) for k in range(len(fails))]
    if len(inits) > len(fails):
        out.append((overlaps[inits[-1]:], True))
    return out


def supervised_eao_curve(fragments: Sequence[Tuple[np.ndarray, bool]],
                         variant: str = 'vot-toolkit') -> np.ndarray:
    """EAO curve of the pooled fragments, computed as the toolkit does it:
    float32 arrays, ``s[j] = mean(o[1..j])`` per fragment (``s[0] = o[0]``),
    failed fragments count at every ``j`` (zero padded), successful ones
    while ``j`` is inside them. The toolkit divides by a float64 count
    (float64 curve), mmtracking in float32 (float32 curve)."""
    if variant not in VARIANTS:
        raise ValueError(f'variant must be one of {VARIANTS}, got {variant}')
    if not fragments:
        raise ValueError('no fragments: no trajectories to score')
    length = max(len(o) for o, _ in fragments)
    over = np.zeros((len(fragments), length), np.float32)
    mask = np.zeros((len(fragments), length), np.float32)
    for i, (o, success) in enumerate(fragments):
        over[i, :len(o)] = np.asarray(o)
        mask[i, :len(o) if success else length] = 1
    avg = over.copy()
    for j in range(1, length):  # np.mean per j: the toolkit's float32 sums
        avg[:, j] = np.mean(over[:, 1:j + 1], axis=1)
    if variant == 'mmtracking':
        return np.sum(avg * mask, axis=0) / np.sum(mask, axis=0)
    weights = np.ones((len(fragments), 1), np.float32)
    return np.sum(weights * avg * mask, axis=0) / np.asarray(
        np.sum(mask * weights, axis=0).tolist())


def eao_score(curve: np.ndarray, low: int, high: int) -> float:
    """``mean(curve[low:high + 1])``; NaN when the curve ends before
    ``low`` (the toolkit's ``np.mean`` of an empty slice)."""
    part = np.asarray(curve)[low:high + 1]
    return float(np.mean(part)) if len(part) else float('nan')


def _runs(trajectories: Mapping[str, Sequence[Regions]], seq: VOTSequence,
          variant: str) -> List[Regions]:
    runs = trajectories.get(seq.name)
    if not runs:
        raise ValueError(f'{seq.name}: no trajectory')
    runs = [r if isinstance(r, Regions) else Regions.from_list(r)
            for r in runs]
    return runs[:1] if variant == 'mmtracking' else runs


def evaluate_supervised(sequences: Sequence[VOTSequence],
                        trajectories: Mapping[str, Sequence[Regions]],
                        low: int, high: int, burnin: int = 10,
                        sensitivity: float = 30.0,
                        variant: str = 'vot-toolkit',
                        toolkit: Optional[str] = None,
                        bounded: bool = True,
                        ignore_unknown: bool = True) -> Dict:
    """Supervised (reset-based) experiment: AR, failures and EAO.

    Args:
        sequences: the sequences, in dataset order.
        trajectories: ``{sequence name: [run, ...]}`` (runs ``_001``, ...).
        low, high: EAO interval (``mean(curve[low:high + 1])``).
        burnin: frames masked from every initialisation (accuracy).
        sensitivity: AR point ``exp(-sensitivity * failures / length)``.
        variant: ``'vot-toolkit'`` (default, all runs averaged) or
            ``'mmtracking'`` (module docstring).
        toolkit: overlap rules, ``'0.9.0'`` or ``'0.5.3'``; default
            ``'0.9.0'`` for vot-toolkit and ``'0.5.3'`` for mmtracking.
        bounded: clip overlaps to the image (the toolkit's default).
        ignore_unknown: leave skipped (``0``) frames out of the accuracy.

    Returns:
        vot-toolkit: ``accuracy``, ``robustness`` (length-weighted mean of the
        failure counts), ``ar_point``, ``mean_length``, ``failures_total``,
        ``eao``, ``eao_curve``, ``per_sequence`` ``{name: {accuracy,
        failures, failure_count, ar_point, length}}``. mmtracking:
        ``accuracy``, ``robustness`` (failures per 100 frames), ``num_fails``,
        ``eao``, ``eao_curve``, ``per_sequence`` ``{name: {accuracy,
        robustness, num_fails}}``.
    """
    if variant not in VARIANTS:
        raise ValueError(f'variant must be one of {VARIANTS}, got {variant}')
    toolkit = toolkit or ('0.5.3' if variant == 'mmtracking' else '0.9.0')
    per_seq, fragments = {}, []
    for seq in sequences:
        accuracy, failures = 0.0, 0.0
        runs = _runs(trajectories, seq, variant)
        for run in runs:
            overlaps = seq.overlaps(run, bounded=bounded, toolkit=toolkit)
            accuracy += supervised_accuracy(overlaps, run, burnin,
                                            ignore_unknown)[0]
            failures += count_failures(run)
            fragments.extend(eao_fragments(overlaps, run))
        accuracy /= len(runs)
        failures /= len(runs)
        if variant == 'mmtracking':
            per_seq[seq.name] = dict(
                accuracy=accuracy, num_fails=int(failures),
                robustness=failures / len(seq) * 100)
        else:
            ar = (math.exp(-(failures / len(seq)) * sensitivity), accuracy)
            per_seq[seq.name] = dict(accuracy=accuracy, failures=failures,
                                     failure_count=failures, ar_point=ar,
                                     length=len(seq))
    curve = supervised_eao_curve(fragments, variant)
    out = _aggregate(sequences, per_seq, variant, sensitivity)
    out.update(eao=eao_score(curve, low, high), eao_curve=curve,
               per_sequence=per_seq)
    return out


def _aggregate(sequences: Sequence[VOTSequence], per_seq: Dict, variant: str,
               sensitivity: float) -> Dict:
    """Set values, summed in sequence order as the toolkit does."""
    accuracy = failures = weight = 0.0
    if variant == 'mmtracking':
        num_fails = 0
        for seq in sequences:
            accuracy += per_seq[seq.name]['accuracy'] * len(seq)
            num_fails += per_seq[seq.name]['num_fails']
            weight += len(seq)
        return dict(accuracy=accuracy / weight, num_fails=num_fails,
                    robustness=num_fails / weight * 100)
    total = 0.0
    for seq in sequences:
        values = per_seq[seq.name]
        failures += values['failures'] * len(seq)
        accuracy += values['accuracy'] * len(seq)
        weight += len(seq)
        total = total + values['failures']
    failures /= weight
    accuracy /= weight
    length = weight / len(sequences)
    ar = (math.exp(-(failures / length) * sensitivity), accuracy)
    return dict(accuracy=accuracy, robustness=failures, ar_point=ar,
                mean_length=length, failures_total=total)
