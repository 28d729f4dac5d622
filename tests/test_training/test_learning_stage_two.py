"""Stage 2 learns, end to end: ``tools/train.py`` with the tiny stage-2
config from stored stage-1 weights (``tests/data/learning``) ->
``tools/test.py``; the score head must separate held-out positives from
negatives (the lower 95 % bound of its ROC AUC above chance), predict
their labels better than the same head without stage 2's gradient
updates (the lower 95 % bound of the paired log-loss gain above 0), and
the tracker must still beat both baselines.

One epoch (200 steps): log-loss gain +0.054 +- 0.012 here, about as far
above 0 as two epochs' +0.045 +- 0.007 (docs/training.md).

With learning rate 0 in stage 2 the log-loss check fails (the ROC AUC of
that untrained head passes: see stark_plugin.testing.learning.criterion
and docs/training.md).
"""
import os.path as osp

import pytest

from learning_run import STORED_ST1, run_verify_training
from stark_plugin.testing.learning import learning_failures


@pytest.mark.slow(seconds=120)
def test_stage_two_learns_from_stored_stage_one(tmp_path):
    work_dir = tmp_path / 'verify'
    _, result = run_verify_training(
        str(work_dir), ['--st1-checkpoint', STORED_ST1, '--st2-epochs', '1',
                        '--roc-samples', '400'])
    assert result['stages'] == 'st2'
    assert 0.0 <= result['score_roc_auc'] <= 1.0
    assert result['roc_positives'] + result['roc_negatives'] == \
        result['settings']['roc_samples']
    assert result['score_log_loss_gain'] > 0
    assert 0.0 <= result['control_score_roc_auc'] <= 1.0
    # learning happened, by the statistical criterion the tool's --check
    # applies (see stark_plugin.testing.learning.criterion)
    assert result['learning_failures'] == [], result
    assert learning_failures(result) == []
    assert result['st1_checkpoint'] == STORED_ST1
    assert osp.isfile(result['st2_checkpoint'])
    with open(work_dir / 'logs' / 'train_st2.log') as f:
        st2_log = f.read()
    # the stored weights are a stage-1 checkpoint that loads into the model
    assert 'StageOneWeightsCheckHook: all' in st2_log
    assert 'UNTRAINED' not in st2_log
