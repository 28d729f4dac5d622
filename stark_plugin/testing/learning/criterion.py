"""When the numbers of a learning run show learning.

Statistical checks instead of thresholds near the measured values:

* the stage-2 score head separates held-out positives from negatives: the
  lower confidence bound of its ROC AUC (Hanley & McNeil 1982 standard
  error, one-sided, :attr:`LearningCriterion.confidence`) is above 0.5
  (chance). With about 200 samples the AUC's sampling error is about 0.04,
  so a fixed threshold a few hundredths below a measured AUC fails by
  chance on another CPU or seed; the bound does not, and a score head
  whose output is unrelated to the labels (AUC 0.5 +- 0.04) stays below
  it but for the test's 5 %.
* stage 2's gradient updates improved the score head: on the same
  held-out samples, its mean log-loss is lower than that of the control
  head (the score head's parameters as loaded from stage 1, its input
  BatchNorm statistics as stage 2 estimated them: what a stage 2 with
  learning rate 0 leaves). The paired difference's one-sided lower
  confidence bound must be above 0. The ROC AUC alone does not show
  training: the tiny model's decoder output differs between positives and
  negatives, so the untrained head of a stage 2 with learning rate 0
  reached ROC AUC 0.67-0.68 (docs/training.md).
* the trained tracker beats both baselines (the untrained model of the
  same seed and "stay at the first box") by :attr:`LearningCriterion.margin`
  of success AUC: below every margin measured over seeds 0-2 (0.08-0.21)
  and far above the -0.19 of a run with learning rate 0 (numbers in
  ``docs/training.md``).

A stage-1-only run (``result['stages'] == 'st1'``) has no score head to
judge: only the tracker's margin applies.
"""
from dataclasses import asdict, dataclass
from statistics import NormalDist
from typing import Dict, List, Sequence, Tuple

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


def binary_log_loss(scores: Sequence[float],
                    labels: Sequence[int]) -> np.ndarray:
    """Per-sample binary cross-entropy of probabilities ``scores``."""
    p = np.clip(np.asarray(scores, dtype=np.float64), 1e-7, 1 - 1e-7)
    y = np.asarray(labels, dtype=np.float64)
    return -(y * np.log(p) + (1 - y) * np.log(1 - p))


def log_loss_gain(scores: Sequence[float], control: Sequence[float],
                  labels: Sequence[int]) -> Tuple[float, float]:
    """Mean and standard error of the per-sample log-loss of ``control``
    minus that of ``scores`` on the same samples (paired): above 0 when
    ``scores`` predict the labels better."""
    gain = binary_log_loss(control, labels) - binary_log_loss(scores, labels)
    if len(gain) < 2:
        raise ValueError('the log-loss gain needs at least two samples')
    return float(gain.mean()), float(gain.std(ddof=1) / np.sqrt(len(gain)))


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
    if result.get('stages') == 'st1':
        return failures
    if result.get('score_roc_auc') is None:
        failures.append('the score head was not measured (no ROC AUC in a '
                        f'{result.get("stages", "st1+st2")} run)')
        return failures
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
    gain = result.get('score_log_loss_gain')
    if gain is None:
        failures.append('the score head was not compared with its control '
                        '(no log-loss gain)')
        return failures
    z = NormalDist().inv_cdf(criterion.confidence)
    lower = gain - z * result['score_log_loss_gain_se']
    if not lower > 0.0:
        failures.append(
            f'stage 2 did not improve the score head: its held-out log-loss '
            f'gain over the head without gradient updates is {gain:+.4f} '
            f'+- {result["score_log_loss_gain_se"]:.4f}, '
            f'{criterion.confidence:.0%} lower bound {lower:+.4f} <= 0')
    return failures
