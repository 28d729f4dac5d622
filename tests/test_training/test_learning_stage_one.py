"""Stage 1 learns, end to end: synthetic videos -> ``tools/train.py`` with
the tiny stage-1 config -> ``tools/test.py``; the trained tracker must beat
the untrained one and "stay at the first box" by the criterion's margin.

800 steps (4 epochs of 1600 samples) at learning rate 3e-3 (the config's
1e-3 needs 6 epochs for a similar margin): margin 0.127 here, 0.126 and
0.116 with seeds 1 and 2 (3 epochs failed on seeds 1 and 2). With
learning rate 0 the tracker stays at the untrained one's AUC (0.029) and
the check fails (docs/training.md).
"""
import os.path as osp

import pytest

from learning_run import run_verify_training

EPOCHS = 4
LR = 3e-3


@pytest.mark.slow(seconds=250)
def test_stage_one_learns(tmp_path):
    work_dir = tmp_path / 'verify'
    _, result = run_verify_training(
        str(work_dir), ['--st1-only', '--st1-epochs', str(EPOCHS),
                        '--st1-cfg-options',
                        f'optim_wrapper.optimizer.lr={LR}'])
    assert result['stages'] == 'st1'
    assert result['learning_failures'] == [], result
    assert result['margin_over_best_baseline'] >= 0.05
    assert result['score_roc_auc'] is None  # no stage 2
    assert result['st2_checkpoint'] is None
    assert osp.isfile(result['st1_checkpoint'])
    assert result['settings']['st1_epochs'] == EPOCHS
    with open(work_dir / 'logs' / 'train_st1.log') as f:
        log = f.read()
    assert f'Epoch(train) [{EPOCHS}]' in log
    assert f'lr: {LR:.4e}' in log  # the first epochs' learning rate
