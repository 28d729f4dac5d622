"""Unsupervised (one pass) average overlap of vot-toolkit 0.9.0
(``accuracy`` / ``average_accuracy`` analyses)."""
from typing import Dict, Mapping, Optional, Sequence

import numpy as np

from .regions import FAILURE, INITIALIZATION, UNKNOWN, Regions
from .sequence import VOTSequence

__all__ = ['kept_overlaps', 'evaluate_unsupervised']


def kept_overlaps(overlaps: np.ndarray, trajectory: Regions,
                  groundtruth: Regions, burnin: int = 1,
                  ignore_unknown: bool = True, ignore_invisible: bool = False,
                  threshold: Optional[float] = None) -> np.ndarray:
    """The overlaps the toolkit's ``gather_overlaps`` keeps. Per frame, the
    first rule that applies: unknown (``nan``) ground truth is dropped;
    empty ground truth if ``ignore_invisible``; a skipped (``0``) frame if
    ``ignore_unknown``; an initialisation drops ``burnin`` frames from
    itself on; a failure frame is dropped; an overlap ``<= threshold``."""
    overlaps = np.asarray(overlaps, np.float64)
    drop = groundtruth.is_special(UNKNOWN)
    open_ = ~drop
    rules = []
    if ignore_invisible:
        rules.append(groundtruth.is_empty())
    if ignore_unknown:
        rules.append(trajectory.is_special(UNKNOWN))
    for rule in rules:
        drop |= open_ & rule
        open_ &= ~rule
    inits = open_ & trajectory.is_special(INITIALIZATION)
    open_ &= ~inits
    for i in np.flatnonzero(inits):
        drop[i:i + burnin] = True
    drop |= open_ & trajectory.is_special(FAILURE)
    open_ &= ~trajectory.is_special(FAILURE)
    if threshold is not None:
        drop |= open_ & (overlaps <= threshold)
    return overlaps[~drop]


def evaluate_unsupervised(sequences: Sequence[VOTSequence],
                          trajectories: Mapping[str, Sequence[Regions]],
                          burnin: int = 1, ignore_unknown: bool = True,
                          ignore_invisible: bool = False,
                          threshold: Optional[float] = None,
                          bounded: bool = True,
                          weighted: bool = True) -> Dict:
    """Average overlap of one-pass runs (burnin 1: VOT2020-2022 stacks,
    10: vot2019 and the toolkit default).

    Args:
        sequences: the sequences, in dataset order.
        trajectories: ``{sequence name: [run, ...]}``; the runs of a
            sequence are averaged (a run keeping no frame counts 0).
        burnin, ignore_unknown, ignore_invisible, threshold: see
            :func:`kept_overlaps`.
        bounded: clip overlaps to the image.
        weighted: weight sequences by their length (the toolkit default).

    Returns:
        ``average_overlap`` and ``per_sequence`` ``{name: {average_overlap}}``.
    """
    per_seq = {}
    total = weight = 0.0
    for seq in sequences:
        runs = trajectories.get(seq.name)
        if not runs:
            raise ValueError(f'{seq.name}: no trajectory')
        cumulative = 0.0
        for run in runs:
            run = run if isinstance(run, Regions) else Regions.from_list(run)
            kept = kept_overlaps(seq.overlaps(run, bounded=bounded), run,
                                 seq.groundtruth, burnin, ignore_unknown,
                                 ignore_invisible, threshold)
            if kept.size:
                cumulative += float(np.mean(kept))
        ao = cumulative / len(runs)
        per_seq[seq.name] = dict(average_overlap=ao)
        total += ao * len(seq) if weighted else ao
        weight += len(seq) if weighted else 1
    return dict(average_overlap=total / weight, per_sequence=per_seq)
