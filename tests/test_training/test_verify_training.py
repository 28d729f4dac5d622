"""The proof that training learns (``stark_plugin.testing.learning``):
its statistical criterion on synthetic numbers and its settings. The runs
end to end are in ``test_learning_stage_one.py`` and
``test_learning_stage_two.py``."""
import numpy as np
import pytest

from stark_plugin.testing.learning import (LearningCriterion,
                                           learning_failures,
                                           log_loss_gain, roc_auc,
                                           roc_auc_lower_bound,
                                           roc_auc_standard_error)
from stark_plugin.testing.learning.proof import LearningSettings
from stark_plugin.testing.scripts import import_script


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
                  score_roc_auc=0.70, roc_positives=100, roc_negatives=100,
                  score_log_loss_gain=0.045,
                  score_log_loss_gain_se=0.007)
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


def test_log_loss_gain_is_paired():
    labels = np.r_[np.ones(60), np.zeros(140)]
    # the same scores: no gain and no spread (a stage 2 with lr 0)
    same = np.full(200, 0.3)
    assert log_loss_gain(same, same, labels) == (0.0, 0.0)
    # informative scores against a constant control
    rng = np.random.default_rng(0)
    good = np.where(labels == 1, 0.6, 0.15) + rng.uniform(-0.1, 0.1, 200)
    gain, se = log_loss_gain(good, same, labels)
    assert gain > 3 * se > 0
    assert log_loss_gain(same, good, labels)[0] == pytest.approx(-gain)
    # the mean and standard error of the per-sample differences
    p, c, y = np.array([0.9, 0.2, 0.6]), np.full(3, 0.5), np.array([1, 0, 0])
    diff = np.log(2) + (y * np.log(p) + (1 - y) * np.log(1 - p))
    assert log_loss_gain(p, c, y) == pytest.approx(
        (diff.mean(), diff.std(ddof=1) / np.sqrt(3)))
    with pytest.raises(ValueError):
        log_loss_gain([0.2], [0.3], [1])


def test_score_head_must_beat_its_untrained_control():
    # a stage 2 with learning rate 0: the head is its control (its ROC AUC
    # of 0.68 comes from the decoder output, not from training)
    (failure, ) = learning_failures(_result(
        score_roc_auc=0.68, score_log_loss_gain=0.0,
        score_log_loss_gain_se=0.0))
    assert 'stage 2 did not improve the score head' in failure
    assert 'lower bound +0.0000' in failure
    # the bound, not the mean, decides
    assert learning_failures(_result(score_log_loss_gain=0.01,
                                     score_log_loss_gain_se=0.01))
    assert learning_failures(_result(score_log_loss_gain=0.02,
                                     score_log_loss_gain_se=0.01)) == []
    (failure, ) = learning_failures(_result(score_log_loss_gain=None))
    assert 'not compared with its control' in failure


def test_criterion_per_stage():
    # stage 1 alone has no score head to judge: the margin decides
    st1 = _result(stages='st1', score_roc_auc=None, roc_positives=0,
                  roc_negatives=0)
    assert learning_failures(st1) == []
    (failure, ) = learning_failures(dict(st1, trained_auc=0.25))
    assert 'does not beat the better baseline' in failure
    # a run with stage 2 must have measured its score head
    for stages in ('st2', 'st1+st2'):
        (failure, ) = learning_failures(dict(st1, stages=stages))
        assert 'score head was not measured' in failure
        assert learning_failures(_result(stages=stages)) == []
        assert learning_failures(_result(stages=stages,
                                         score_roc_auc=0.5))


def test_settings_name_their_stages():
    assert LearningSettings('w').stages == 'st1+st2'
    assert LearningSettings('w', st1_only=True).stages == 'st1'
    assert LearningSettings('w', st1_checkpoint='st1.pth').stages == 'st2'
    with pytest.raises(ValueError, match='one of them'):
        LearningSettings('w', st1_only=True, st1_checkpoint='st1.pth')


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


def test_control_head_takes_parameters_not_statistics(tmp_path):
    import torch

    from stark_plugin.testing.learning.measures import reset_parameters

    def model():
        net = torch.nn.Module()
        net.backbone = torch.nn.Linear(3, 4)
        net.head = torch.nn.Module()
        net.head.cls_head = torch.nn.Sequential(torch.nn.BatchNorm1d(4),
                                                torch.nn.Linear(4, 1))
        return net

    torch.manual_seed(0)
    stage_one = model()
    path = str(tmp_path / 'st1.pth')
    torch.save(dict(state_dict=stage_one.state_dict(), meta={}), path)
    trained = model()
    trained.head.cls_head[0].running_mean.fill_(3.0)  # stage-2 statistics
    before = {k: v.clone() for k, v in trained.state_dict().items()}
    assert reset_parameters(trained, path) == 4  # BN affine, weight, bias
    state, first = trained.state_dict(), stage_one.state_dict()
    for name in ('head.cls_head.0.weight', 'head.cls_head.0.bias',
                 'head.cls_head.1.weight', 'head.cls_head.1.bias'):
        assert torch.equal(state[name], first[name])
    for name in ('head.cls_head.0.running_mean', 'head.cls_head.0.running_var',
                 'backbone.weight', 'backbone.bias'):
        assert torch.equal(state[name], before[name])
    # a checkpoint without the head's parameters is refused, naming them
    torch.save(dict(state_dict={'backbone.weight': torch.zeros(4, 3)},
                    meta={}), path)
    with pytest.raises(KeyError, match='head.cls_head.0.weight'):
        reset_parameters(model(), path)


def test_tool_refuses_both_stage_options(capsys):
    import os.path as osp
    path = osp.join(osp.dirname(__file__), '..', '..', 'tools', 'analysis',
                    'verify_training.py')
    tool = import_script(path)
    assert tool.parse_args(['--work-dir', 'w', '--st1-only']).st1_only
    with pytest.raises(SystemExit) as exit_info:
        tool.parse_args(['--work-dir', 'w', '--st1-only',
                         '--st1-checkpoint', 'st1.pth'])
    assert exit_info.value.code == 2
    assert 'give one of them' in capsys.readouterr().err
