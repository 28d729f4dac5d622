"""The proof that training learns (``stark_plugin.testing.learning``):
its statistical criterion on synthetic numbers, and end to end through
``tools/analysis/verify_training.py`` in a reduced setting (synthetic data
-> tools/train.py stage 1 + stage 2 -> tools/test.py)."""
import json
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest

from stark_plugin.testing.learning import (LearningCriterion,
                                           learning_failures, roc_auc,
                                           roc_auc_lower_bound,
                                           roc_auc_standard_error)

REPO_ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
SCRIPT = osp.join(REPO_ROOT, 'tools', 'analysis', 'verify_training.py')

#: the reduced CI setting (the full default setting is for users; see the
#: tool's docstring). A cheaper one (100 videos, 8 stage-1 epochs and 1 or
#: 3 stage-2 epochs of 1200 samples) kept the tracker's margin (0.08-0.20
#: over "stay at the first box", seeds 0-2) but its score head did not
#: learn (ROC AUC 0.47-0.56): see docs/training.md.
REDUCED = ['--seed', '0', '--videos', '200', '--frames', '20',
           '--val-videos', '6', '--val-frames', '60', '--st1-epochs', '12',
           '--st2-epochs', '2',
           '--samples-per-epoch', '1600', '--batch-size', '8',
           '--roc-samples', '200']


def test_roc_auc_matches_pairwise_definition():
    scores = [0.9, 0.8, 0.8, 0.3, 0.1, 0.5]
    labels = [1, 1, 0, 0, 0, 1]
    pairs = [(s, t) for s, lab in zip(scores, labels) if lab
             for t, m in zip(scores, labels) if not m]
    expected = sum(1.0 if s > t else 0.5 if s == t else 0.0
                   for s, t in pairs) / len(pairs)
    assert roc_auc(scores, labels) == pytest.approx(expected)
    assert roc_auc([0.1, 0.2, 0.9], [0, 0, 1]) == 1.0
    assert roc_auc([0.9, 0.2, 0.1], [0, 0, 1]) == 0.0
    with pytest.raises(ValueError):
        roc_auc([0.1, 0.2], [1, 1])


def test_roc_auc_standard_error():
    # at chance, Hanley-McNeil is the exact Mann-Whitney null variance
    for n_pos, n_neg in ((100, 100), (30, 170), (1, 5)):
        exact = np.sqrt((n_pos + n_neg + 1) / (12.0 * n_pos * n_neg))
        assert roc_auc_standard_error(0.5, n_pos, n_neg) == \
            pytest.approx(exact)
    assert roc_auc_standard_error(1.0, 50, 50) == 0.0
    # away from chance it matches the spread of AUCs measured on draws of
    # two normal score distributions (true AUC about 0.70)
    rng = np.random.default_rng(0)
    labels = np.r_[np.ones(100), np.zeros(100)]
    aucs = [roc_auc(np.r_[rng.normal(0.74, 1, 100), rng.normal(0, 1, 100)],
                    labels) for _ in range(400)]
    se = roc_auc_standard_error(float(np.mean(aucs)), 100, 100)
    assert np.std(aucs) == pytest.approx(se, rel=0.15)
    assert roc_auc_lower_bound(0.7, 100, 100) == pytest.approx(
        0.7 - 1.6449 * roc_auc_standard_error(0.7, 100, 100), abs=1e-4)
    with pytest.raises(ValueError):
        roc_auc_standard_error(0.7, 0, 10)


def _result(**kw):
    result = dict(trained_auc=0.38, untrained_auc=0.03, static_auc=0.22,
                  score_roc_auc=0.70, roc_positives=100, roc_negatives=100)
    result.update(kw)
    return result


def test_learning_criterion_on_synthetic_numbers():
    assert learning_failures(_result()) == []
    # the score AUC that failed a fixed "> 0.65" on another CPU passes: its
    # lower bound (about 0.57) is above chance
    assert learning_failures(_result(score_roc_auc=0.6486)) == []
    # learning rate 0: the "trained" tracker is the untrained one and the
    # score head is at chance
    broken = learning_failures(_result(trained_auc=0.04, score_roc_auc=0.53))
    assert len(broken) == 2
    assert 'does not beat the better baseline' in broken[0]
    assert 'score head' in broken[1]
    # stage 2 not trained: the tracker is fine, the score head is not
    (failure, ) = learning_failures(_result(score_roc_auc=0.55))
    assert 'score head' in failure and 'lower bound' in failure
    # no better than staying at the first box
    (failure, ) = learning_failures(_result(trained_auc=0.25))
    assert 'stay at the first box 0.220' in failure
    # a perfect score head on few samples still passes; chance never does
    assert learning_failures(_result(score_roc_auc=1.0, roc_positives=5,
                                     roc_negatives=5)) == []
    assert learning_failures(_result(score_roc_auc=0.5, roc_positives=10000,
                                     roc_negatives=10000))
    # the thresholds are the criterion's
    strict = LearningCriterion(margin=0.2)
    assert learning_failures(_result(), strict)
    assert learning_failures(_result(trained_auc=float('nan')))


#: the run took 524-580 s on one pytest-xdist worker of 2 idle cores
#: (2026-12-02); the limit keeps 3x of that
TIMEOUT_S = 1800


@pytest.mark.slow
def test_verify_training_reduced(tmp_path):
    work_dir = tmp_path / 'verify'
    proc = subprocess.run(
        [sys.executable, SCRIPT, '--work-dir', str(work_dir), '--check'] +
        REDUCED, cwd=REPO_ROOT, capture_output=True, text=True,
        timeout=TIMEOUT_S)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    with open(work_dir / 'verify_training.json') as f:
        result = json.load(f)
    for key in ('trained_auc', 'untrained_auc', 'static_auc',
                'score_roc_auc'):
        assert 0.0 <= result[key] <= 1.0, (key, result[key])
    assert result['train_seconds'] > 0
    # the numbers printed are the numbers written
    assert f'"trained_auc": {result["trained_auc"]}' in proc.stdout
    # learning happened, by the statistical criterion the tool's --check
    # applies (see stark_plugin.testing.learning.criterion)
    assert result['learning_failures'] == [], result
    assert learning_failures(result) == []
    # both stages went through tools/train.py and left checkpoints
    assert osp.isfile(result['st1_checkpoint'])
    assert osp.isfile(result['st2_checkpoint'])
    with open(work_dir / 'logs' / 'train_st2.log') as f:
        st2_log = f.read()
    assert 'StageOneWeightsCheckHook: all' in st2_log
    assert 'UNTRAINED' not in st2_log


def test_last_checkpoint_reads_the_runs_record(tmp_path):
    from stark_plugin.testing.learning.user_tools import (LearningRunError,
                                                          last_checkpoint)
    with pytest.raises(LearningRunError, match='no last_checkpoint record'):
        last_checkpoint(str(tmp_path))
    ckpt = tmp_path / 'epoch_1.pth'
    (tmp_path / 'last_checkpoint').write_text(str(ckpt))
    with pytest.raises(LearningRunError, match='does not exist'):
        last_checkpoint(str(tmp_path))
    ckpt.write_bytes(b'')
    assert last_checkpoint(str(tmp_path)) == str(ckpt)
