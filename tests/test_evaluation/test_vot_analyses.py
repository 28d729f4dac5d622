"""Edge cases of the VOT analyses, each worked out by hand from the
toolkit's rules (vot/analysis/supervised.py, multistart.py, accuracy.py)."""
import math

import numpy as np
import pytest

from stark_plugin.evaluation.functional.vot import (
    Regions, VOTSequence, eao_fragments, eao_interval, eao_partial,
    eao_score, evaluate_multistart, evaluate_supervised,
    evaluate_unsupervised, failure_progress, multistart_lengths,
    silverman_bandwidth, supervised_accuracy, supervised_eao_curve)

BOX = [10.0, 10.0, 20.0, 20.0]
FAR = [60.0, 60.0, 20.0, 20.0]


def _seq(n, name='s', anchors=None, gt=None):
    return VOTSequence(name, Regions.from_list(gt or [BOX] * n), 100, 100,
                       anchors)


def test_supervised_accuracy_masks_burnin_failures_and_skips():
    run = Regions.from_list([1, BOX, BOX, BOX, BOX, 2, 0, 0, 0, 0, 1, BOX])
    overlaps = np.arange(12) / 100
    assert supervised_accuracy(overlaps, run, burnin=3) == (0.035, 2)
    # burnin 0 keeps the initialisation frames themselves (range(i, i))
    got = supervised_accuracy(overlaps, run, burnin=0)
    assert got == (pytest.approx(np.mean([0, 1, 2, 3, 4, 10, 11]) / 100), 7)
    assert supervised_accuracy(overlaps[:3], run.take([0, 1, 2]), 10) == \
        (0.0, 0)


def test_eao_fragments_pair_initialisations_and_failures():
    run = Regions.from_list([1, BOX, 2, 0, 1, BOX, BOX])
    o = np.arange(7.0)
    frags = eao_fragments(o, run)
    assert [(f.tolist(), ok) for f, ok in frags] == [([0, 1], False),
                                                     ([4, 5, 6], True)]
    assert eao_fragments(o, Regions.from_list([1] + [BOX] * 6))[0][1]
    with pytest.raises(ValueError, match='2 failures but only 1'):
        eao_fragments(o[:5], Regions.from_list([1, 2, 0, 2, 0]))


def test_supervised_eao_curve_by_hand():
    frags = [(np.array([0, 1, 0.5]), False), (np.array([0, 1.0]), True)]
    curve = supervised_eao_curve(frags)
    # j=1: both active, mean 1; j=2: only the failed one, mean(1, 0.5)
    assert curve.dtype == np.float64 and curve.tolist() == [0, 1, 0.75]
    mm = supervised_eao_curve(frags, variant='mmtracking')
    assert mm.dtype == np.float32 and mm.tolist() == [0, 1, 0.75]


def test_eao_nan_when_fragments_end_before_low():
    curve = supervised_eao_curve([(np.linspace(0, 1, 15), True)])
    assert len(curve) == 15
    assert math.isnan(eao_score(curve, 15, 30))
    # a curve ending inside [low, high] averages what is there
    assert eao_score(curve, 10, 30) == pytest.approx(np.mean(curve[10:]))
    seq = _seq(15)
    out = evaluate_supervised([seq], {'s': [Regions.from_list([1] + [BOX] *
                                                              14)]}, 20, 40)
    assert math.isnan(out['eao'])
    assert out['accuracy'] == 1.0 and out['failures_total'] == 0


def test_supervised_set_values_and_mmtracking_variant():
    seqs = [_seq(20, 'a'), _seq(30, 'b')]
    fail = Regions.from_list([1, BOX, FAR, 2, 0, 0, 0, 0, 1] + [BOX] * 11)
    ok = Regions.from_list([1] + [BOX] * 29)
    trajectories = {'a': [fail, fail], 'b': [ok, ok]}
    out = evaluate_supervised(seqs, trajectories, 1, 5, burnin=1)
    assert out['per_sequence']['a']['failures'] == 1.0
    assert out['robustness'] == pytest.approx(1 * 20 / 50)
    assert out['ar_point'][0] == pytest.approx(math.exp(-30 * 0.4 / 25))
    assert out['failures_total'] == 1.0 and out['mean_length'] == 25
    mm = evaluate_supervised(seqs, trajectories, 1, 5, burnin=1,
                             variant='mmtracking')
    assert mm['num_fails'] == 1
    assert mm['robustness'] == pytest.approx(100 * 1 / 50)
    assert mm['per_sequence']['a']['robustness'] == pytest.approx(5.0)
    with pytest.raises(ValueError, match='variant'):
        evaluate_supervised(seqs, trajectories, 1, 5, variant='pysot')
    with pytest.raises(ValueError, match='b: no trajectory'):
        evaluate_supervised(seqs, {'a': [fail]}, 1, 5)


def test_failure_progress_grace_threshold_and_empty_reset():
    o = np.ones(40)
    o[5:15] = 0.1  # <= threshold: a failure starting at 5
    empty = np.zeros(40, bool)
    assert failure_progress(o, empty, 10, 0.1) == 5
    assert failure_progress(o, empty, 11, 0.1) == 40
    empty[9] = True  # an empty ground truth frame breaks the run
    assert failure_progress(o, empty, 10, 0.1) == 40
    assert failure_progress(np.zeros(5), np.zeros(5, bool), 10, 0.1) == 5
    assert failure_progress(np.zeros(40), np.zeros(40, bool), 0, 0.1) == 40


def test_eao_partial_divides_by_j_minus_one_after_a_failure():
    phi, active = eao_partial([np.array([0, 1.0, 1.0, 0.0])], [False], 8)
    assert active.tolist() == [0, 1, 1, 1, 1, 1, 1, 1]
    want = [0, 1, 1, 2 / 3, 2 / 3, 2 / 4, 2 / 5, 2 / 6]
    assert phi == pytest.approx(want)
    phi, active = eao_partial([np.array([0, 1.0, 1.0])], [True], 5)
    assert active.tolist() == [0, 1, 1, 0, 0] and phi.tolist()[3:] == [0, 0]


def test_multistart_by_hand():
    anchors = np.zeros(30)
    anchors[0], anchors[29] = 1, -1
    seq = _seq(30, anchors=anchors)
    forward = Regions.from_list([1] + [BOX] * 29)
    backward = Regions.from_list([1] + [BOX] * 4 + [FAR] * 25)
    out = evaluate_multistart([seq], {'s': {0: forward, 29: backward}},
                              low=2, high=10)
    ps = out['per_sequence']['s']
    # backward fails at its frame 5: progress 30 + 5 of 60 frames
    assert ps['progress_frames'] == 35 and ps['robustness'] == 35 / 60
    assert ps['accuracy'] == pytest.approx((29 + 4) / 35)
    assert len(out['eao_curve']) == 10 and out['eao_curve'][0] == 0
    assert multistart_lengths([seq]) == [30, 30]
    with pytest.raises(ValueError, match='no trajectory for anchor 29'):
        evaluate_multistart([seq], {'s': {0: forward}}, 2, 10)
    with pytest.raises(ValueError, match='no anchors'):
        evaluate_multistart([_seq(30)], {'s': {}}, 2, 10)


def test_unsupervised_skips_nan_gt_and_counts_empty_gt():
    nan, zero = [np.nan] * 4, [0, 0, 0, 0]
    seq = _seq(6, gt=[BOX, BOX, nan, zero, zero, BOX])
    run = Regions.from_list([1, BOX, BOX, zero, BOX, FAR])
    out = evaluate_unsupervised([seq], {'s': [run]}, burnin=1)
    # kept: frame 1 (1.0), 3 (empty vs empty 1.0), 4 (0), 5 (0)
    assert out['average_overlap'] == pytest.approx(0.5)
    out = evaluate_unsupervised([seq], {'s': [run]}, burnin=1,
                                ignore_invisible=True)
    assert out['average_overlap'] == pytest.approx(0.5)  # 1 and 5
    out = evaluate_unsupervised([seq], {'s': [run]}, burnin=10)
    assert out['average_overlap'] == 0.0  # nothing kept counts 0


def test_eao_interval_rule():
    lengths = [100, 150, 150, 200, 200, 200, 250, 250, 300]
    got = eao_interval(lengths)
    assert got.peak == 200 and got.low < 200 < got.high <= 300
    assert got.bandwidth == silverman_bandwidth(lengths)
    assert eao_interval(lengths, mass=0.9).low < got.low
    with pytest.raises(ValueError, match='at least 2'):
        eao_interval([100])
    with pytest.raises(ValueError, match='all equal'):
        eao_interval([100, 100])


def test_sequence_input_checks():
    with pytest.raises(ValueError, match='image size'):
        VOTSequence('s', Regions.from_list([BOX]), None, 10)
    with pytest.raises(ValueError, match='2 anchor values for 1 frames'):
        VOTSequence('s', Regions.from_list([BOX]), 10, 10, [1, 0])
    with pytest.raises(ValueError, match='trajectory of 2 frames'):
        _seq(3).overlaps(Regions.from_list([1, BOX]))
