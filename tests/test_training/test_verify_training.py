"""End to end: tools/analysis/verify_training.py in a reduced setting
(synthetic data -> tools/train.py stage 1 + stage 2 -> tools/test.py)."""
import json
import os.path as osp
import subprocess
import sys

import pytest

REPO_ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
SCRIPT = osp.join(REPO_ROOT, 'tools', 'analysis', 'verify_training.py')

#: the reduced CI setting (the full default setting is for users; see the
#: script's docstring)
REDUCED = ['--seed', '0', '--videos', '200', '--frames', '20',
           '--val-videos', '6', '--val-frames', '60', '--st1-epochs', '12',
           '--st2-epochs', '2',
           '--samples-per-epoch', '1600', '--batch-size', '8',
           '--roc-samples', '200']


def test_roc_auc_matches_pairwise_definition():
    sys.path.insert(0, osp.dirname(SCRIPT))
    try:
        from verify_training import roc_auc
    finally:
        sys.path.remove(osp.dirname(SCRIPT))
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


@pytest.mark.slow
def test_verify_training_reduced(tmp_path):
    work_dir = tmp_path / 'verify'
    proc = subprocess.run(
        [sys.executable, SCRIPT, '--work-dir', str(work_dir)] + REDUCED,
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    with open(work_dir / 'verify_training.json') as f:
        result = json.load(f)
    for key in ('trained_auc', 'untrained_auc', 'static_auc',
                'score_roc_auc'):
        assert 0.0 <= result[key] <= 1.0, (key, result[key])
    assert result['train_seconds'] > 0
    # the numbers printed are the numbers written
    assert f'"trained_auc": {result["trained_auc"]}' in proc.stdout
    # learning happened. This short run measured trained 0.376, untrained
    # 0.028 (it loses the target within a few frames), "stay at the first
    # box" 0.224 and score ROC AUC 0.696 (0.5 is chance); the full default
    # setting has the larger margins. (With 8 stage-1 epochs and 4 val
    # videos the margin over "stay" was 0.01 after the sample stream
    # changed: too short a run to measure learning reliably.)
    assert result['trained_auc'] > result['untrained_auc'] + 0.15, result
    assert result['trained_auc'] > result['static_auc'] + 0.05, result
    assert result['score_roc_auc'] > 0.65, result
    # both stages went through tools/train.py and left checkpoints
    assert osp.isfile(result['st1_checkpoint'])
    assert osp.isfile(result['st2_checkpoint'])
    with open(work_dir / 'logs' / 'train_st2.log') as f:
        st2_log = f.read()
    assert 'StageOneWeightsCheckHook: all' in st2_log
    assert 'UNTRAINED' not in st2_log
