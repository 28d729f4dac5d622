"""When the numbers of a learning run show learning.

Two statistical checks instead of thresholds near the measured values:

* the stage-2 score head separates held-out positives from negatives: the
  lower confidence bound of its ROC AUC (Hanley & McNeil 1982 standard
  error, one-sided, :attr:`LearningCriterion.confidence`) is above 0.5
  (chance). With about 200 samples the AUC's sampling error is about 0.04,
  so a fixed threshold a few hundredths below a measured AUC fails by
  chance on another CPU or seed; the bound does not, and an untrained
  score head (AUC 0.5 +- 0.04) stays below it but for the test's 5 %.
* the trained tracker beats both baselines (the untrained model of the
  same seed and "stay at the first box") by :attr:`LearningCriterion.margin`
  of success AUC: below every margin measured over seeds 0-2 (0.08-0.21)
  and far above the -0.19 of a run with learning rate 0 (numbers in
  ``docs/training.md``).
"""
from dataclasses import asdict, dataclass
from statistics import NormalDist
from typing import Dict, List, Sequence

import numpy as np


@dataclass(frozen=True)
class LearningCriterion:
    """Thresholds of :func:`learning_failures`."""
    #: success AUC (fraction) the trained tracker must gain over the better
    #: of the two baselines
    margin: float = 0.05
    #: one-sided confidence level of the score ROC AUC's lower bound
    confidence: float = 0.95

    def to_dict(self) -> Dict[str, float]:
        """The thresholds as a JSON-ready dict."""
        return asdict(self)


def roc_auc(scores: Sequence[float], labels: Sequence[int]) -> float:
    """Area under the ROC curve (Mann-Whitney U, ties counted half)."""
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(labels).astype(bool)
    n_pos, n_neg = int(labels.sum()), int((~labels).sum())
    if n_pos == 0 or n_neg == 0:
        raise ValueError('ROC AUC needs positive and negative samples')
    order = np.argsort(scores, kind='mergesort')
    ranks = np.empty(len(scores), dtype=np.float64)
    sorted_scores = scores[order]
    i = 0
    while i < len(scores):  # average ranks of ties
        j = i
        while j + 1 < len(scores) and sorted_scores[j + 1] == \
                sorted_scores[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    u = ranks[labels].sum() - n_pos * (n_pos + 1) / 2.0
    return float(u / (n_pos * n_neg))


def roc_auc_standard_error(auc: float, n_pos: int, n_neg: int) -> float:
    """Hanley-McNeil standard error of a ROC AUC measured on ``n_pos``
    positives and ``n_neg`` negatives."""
    if n_pos < 1 or n_neg < 1:
        raise ValueError('ROC AUC needs positive and negative samples')
    q1 = auc / (2.0 - auc)
    q2 = 2.0 * auc * auc / (1.0 + auc)
    var = (auc * (1.0 - auc) + (n_pos - 1) * (q1 - auc * auc) +
           (n_neg - 1) * (q2 - auc * auc)) / (n_pos * n_neg)
    return float(np.sqrt(max(var, 0.0)))


def roc_auc_lower_bound(auc: float, n_pos: int, n_neg: int,
                        confidence: float = 0.95) -> float:
    """One-sided lower confidence bound of a ROC AUC (normal
    approximation with the Hanley-McNeil standard error)."""
    z = NormalDist().inv_cdf(confidence)
    return auc - z * roc_auc_standard_error(auc, n_pos, n_neg)


def learning_failures(result: dict,
                      criterion: LearningCriterion = LearningCriterion()
                      ) -> List[str]:
    """Why the numbers of a learning run (the keys of
    ``verify_training.json``) do not show learning; empty when they do."""
    failures = []
    best = max(result['untrained_auc'], result['static_auc'])
    margin = result['trained_auc'] - best
    if not margin >= criterion.margin:
        failures.append(
            f'the trained tracker (success AUC {result["trained_auc"]:.3f}) '
            f'does not beat the better baseline ({best:.3f}: untrained '
            f'{result["untrained_auc"]:.3f}, stay at the first box '
            f'{result["static_auc"]:.3f}) by {criterion.margin}')
    lower = roc_auc_lower_bound(result['score_roc_auc'],
                                result['roc_positives'],
                                result['roc_negatives'],
                                criterion.confidence)
    if not lower > 0.5:
        failures.append(
            f'the score head does not separate positives from negatives: '
            f'ROC AUC {result["score_roc_auc"]:.3f} on '
            f'{result["roc_positives"]} + {result["roc_negatives"]} '
            f'samples, {criterion.confidence:.0%} lower bound {lower:.3f} '
            f'<= 0.5')
    return failures
