"""VOT experiments from stacks, the early-stop rule and the VOT-LT
analysis. Parameters are checked against what vot-toolkit 0.9.0 dumped for
the fixture's stack (expected.json), not against values written here."""
import math

import numpy as np
import pytest

from stark_plugin.evaluation.functional.vot import (
    OFFICIAL_STACKS, Regions, VOTSequence, determine_thresholds,
    evaluate_experiment, evaluate_longterm, load_official_stack, parse_stack,
    resolve_eao_interval, trajectories_equal)
from stark_plugin.fileio.vot import read_stack

from ._vot_fixture import FIXTURE, expected, runs, sequences

TOOLKIT_TYPE = {  # toolkit class -> 0.9.0 stack type name
    'multistart.EAOScore': 'multistart_eao_score',
    'multistart.EAOCurve': 'multistart_eao_curve',
    'multistart.AverageAccuracyRobustness': 'multistart_average_ar',
    'multistart.AccuracyRobustness': 'multistart_ar',
    'multistart.EAOCurves': 'multistart_eao_curves',
    'supervised.AverageAccuracyRobustness': 'supervised_average_ar',
    'supervised.EAOScore': 'supervised_eao_score',
    'supervised.EAOCurve': 'supervised_eao_curve',
    'failures.CumulativeFailureCount': 'cumulative_failures',
    'supervised.AccuracyRobustness': 'supervised_ar',
    'failures.FailureCount': 'failures',
    'accuracy.AverageAccuracy': 'average_accuracy',
    'accuracy.SequenceAccuracy': 'accuracy',
}


def _experiments():
    return {e.name: e for e in parse_stack(
        read_stack(f'{FIXTURE}/{expected()["stack"]["yaml"]}'))}


def test_stack_parameters_equal_the_toolkit_dump():
    """Every analysis parameter the toolkit used (defaults included) is
    what parse_stack fills in; the experiment settings too."""
    dumped = expected()['stack']['parameters_as_dumped_by_toolkit']
    experiments = _experiments()
    assert set(experiments) == set(dumped)
    for name, spec in dumped.items():
        exp = experiments[name]
        assert len(exp.analyses) == len(spec['analyses'])
        for ours, theirs in zip(exp.analyses, spec['analyses']):
            kind = theirs['type'].replace('vot.analysis.', '')
            assert ours['type'] == TOOLKIT_TYPE[kind]
            for key, value in theirs.items():
                if key in ('type', 'name', 'ignore_masks'):
                    continue
                assert ours[key] == value, (name, kind, key)
        for key in ('repetitions', 'early_stop', 'skip_initialize',
                    'failure_overlap', 'anchor'):
            if key in spec:
                assert getattr(exp, key) == spec[key], (name, key)
        assert list(exp.skip_tags) == spec.get('skip_tags', [])


def test_eao_intervals_from_the_stack_and_auto():
    """The stack's interval; 'auto' re-estimates it from the lengths (the
    fixture's intervals were made by that rule); a pair is taken as is."""
    seqs = sequences()
    for name, spec in expected()['stack']['eao_intervals'].items():
        exp = _experiments()[name]
        assert exp.eao_interval == (spec['low'], spec['high'])
        assert resolve_eao_interval(exp, seqs, 'auto') == exp.eao_interval
        assert resolve_eao_interval(exp, seqs, (3, 9)) == (3, 9)
        with pytest.raises(ValueError, match='eao_interval'):
            resolve_eao_interval(exp, seqs, 'official')
        with pytest.raises(ValueError, match='low <= high'):
            resolve_eao_interval(exp, seqs, (9, 3))


def test_official_stacks_parse():
    for name in OFFICIAL_STACKS:
        experiments = load_official_stack(name)
        kinds = {e.kind for e in experiments}
        assert kinds <= {'supervised', 'multistart', 'unsupervised'}
        for exp in experiments:
            if exp.kind != 'unsupervised':
                low, high = exp.eao_interval
                assert 0 < low < high
            if exp.kind == 'supervised':
                assert exp.skip_initialize > 1 and exp.repetitions > 1
    assert load_official_stack('votlt2020')[0].reports_confidence
    with pytest.raises(ValueError, match='unknown VOT stack'):
        load_official_stack('vot1999')


def test_legacy_and_bad_stacks():
    legacy = {'experiments': {'baseline': {
        'type': 'SupervisedExperiment', 'skip_initialize': 5,
        'analyses': [{'type': 'AccuracyRobustness', 'sensitivity': 30},
                     {'type': 'EAOScore', 'low': 100, 'high': 356}]}}}
    exp = parse_stack(legacy)[0]
    assert exp.kind == 'supervised' and exp.eao_interval == (100, 356)
    assert exp.find('supervised_average_ar')[0]['burnin'] == 10
    with pytest.raises(ValueError, match='supported'):
        parse_stack({'experiments': {'x': {'type': 'realtime'}}})
    with pytest.raises(ValueError, match='integer low'):
        parse_stack({'experiments': {'x': {'type': 'supervised', 'analyses':
                                           [{'type': 'supervised_eao_score',
                                             'high': 3}]}}})
    with pytest.raises(ValueError, match='no experiments'):
        parse_stack({})


def test_three_equal_runs_are_equal():
    """The fixture's supervised runs _001.._003 are identical (the
    toolkit stopped there); a moved box or a moved failure breaks it;
    different special codes on the same frame do not."""
    for seq, trajectories in runs('trk_mid', 'supervised').items():
        assert len(trajectories) == 3
        assert all(trajectories_equal(trajectories[0], t)
                   for t in trajectories[1:])
    first = runs('trk_mid', 'supervised')[sequences()[0].name][0]
    boxes = first.boxes.copy()
    i = int(np.flatnonzero(~first.is_special())[5])
    boxes[i, 0] += 3
    moved = Regions(first.kinds, first.codes, boxes, first.shapes)
    assert not trajectories_equal(first, moved)
    codes = first.codes.copy()
    codes[first.is_special(1)] = 0
    assert trajectories_equal(
        first, Regions(first.kinds, codes, first.boxes, first.shapes))
    assert not trajectories_equal(first, first.take(range(len(first) - 1)))


def test_unsupervised_keys_follow_the_analyses():
    exp = _experiments()['unsupervised']
    got = evaluate_experiment(exp, sequences(), {
        k: {'runs': v} for k, v in runs('trk_good', 'unsupervised').items()})
    ours = {k for k in got if k.startswith('average_overlap')}
    assert ours == {k for k in expected()['vot_toolkit']['unsupervised'][
        'trk_good'] if k.startswith('average_overlap')}


# -------------------------------------------------------------- long-term
def test_thresholds_rule():
    assert determine_thresholds([0.2, float('nan'), 0.9], 100) == \
        [math.inf, 0.9, 0.2, -math.inf]
    scores = np.arange(1000) / 1000.0
    th = determine_thresholds(scores, 10)
    assert len(th) == 10 and th[0] == math.inf and th[-1] == -math.inf
    # 8 picks at round(linspace(125, 875, 8)) of the decreasing scores
    picks = np.round(np.linspace(125, 875, 8)).astype(int)
    np.testing.assert_allclose(th[1:-1], np.sort(scores)[::-1][picks])


def _lt_sequence():
    gt = [[10, 10, 10, 10]] * 3 + [float('nan')] * 2 + [[10, 10, 10, 10]]
    return VOTSequence('lt', Regions.from_list(
        [g if isinstance(g, list) else [g] * 4 for g in gt]), 50, 50)


def test_longterm_precision_recall_by_hand():
    """Frames: init (no confidence: 0, as the toolkit's ``get(...,
    0)``), exact (0.9), a third overlap (0.4), two unannotated frames with
    a box (0.8, 0.3) and an empty box (0.1); 4 annotated frames."""
    seq = _lt_sequence()
    run = Regions.from_list([1, [10, 10, 10, 10], [15, 10, 10, 10],
                             [10, 10, 10, 10], [10, 10, 10, 10],
                             [0, 0, 0, 0]])
    conf = [None, 0.9, 0.4, 0.8, 0.3, 0.1]
    out = evaluate_longterm([seq], {'lt': [run]}, {'lt': [conf]})
    assert out['thresholds'].tolist() == [math.inf, 0.9, 0.8, 0.4, 0.3,
                                          0.1, 0.0, -math.inf]
    ov = seq.overlaps(run)
    assert ov[2] == pytest.approx(50 / 150)
    pr = {t: (np.mean(ov[np.array([c or 0 for c in conf]) >= t]),
              np.sum(ov[np.array([c or 0 for c in conf]) >= t]) / 4)
          for t in out['thresholds'][1:]}
    for t, row in zip(out['thresholds'][1:], out['pr_curve'][1:]):
        np.testing.assert_allclose(row, pr[t])
    np.testing.assert_allclose(out['pr_curve'][0], [1, 0])
    f = [2 * p * r / (p + r) for p, r in out['pr_curve']]
    best = int(np.nanargmax(f))
    assert out['f_score'] == pytest.approx(f[best])
    assert (out['precision'], out['recall']) == tuple(out['pr_curve'][best])


def test_longterm_runs_and_sequences_average():
    seq = _lt_sequence()
    good = Regions.from_list([1] + [[10, 10, 10, 10]] * 5)
    bad = Regions.from_list([1] + [[30, 30, 10, 10]] * 5)
    conf = [None] + [0.5] * 5
    both = evaluate_longterm([seq], {'lt': [good, bad]},
                             {'lt': [conf, conf]})
    one = evaluate_longterm([seq], {'lt': [good]}, {'lt': [conf]})
    for t, row in zip(both['thresholds'], both['pr_curve']):
        j = one['thresholds'].tolist().index(t)
        expect = [1, 0] if t == math.inf else one['pr_curve'][j] / 2
        np.testing.assert_allclose(row, expect)
    assert one['precision'] == pytest.approx(3 / 5)  # 3 hits of 5 boxes
    assert one['recall'] == pytest.approx(3 / 4)  # of 4 annotated frames
    with pytest.raises(ValueError, match='no trajectory'):
        evaluate_longterm([seq], {}, {})
    with pytest.raises(ValueError, match='confidences for'):
        evaluate_longterm([seq], {'lt': [good]}, {'lt': [[0.5]]})


def test_transformed_and_realtime_experiments_are_refused():
    """VOT-LT's 'redetection' experiment (a sequence transformer) cannot be
    run or analysed here; a real-time experiment can be analysed only."""
    stack = {'experiments': {
        'redetection': {'type': 'unsupervised', 'transformers': [
            {'type': 'redetection', 'length': 200}]},
        'realtime': {'type': 'supervised', 'realtime': {'grace': 3},
                     'analyses': [{'type': 'supervised_average_ar'}]}}}
    redetection, realtime = parse_stack(stack)
    assert 'redetection' in redetection.unsupported(tracking=False)
    assert realtime.unsupported(tracking=False) is None
    assert 'real-time' in realtime.unsupported(tracking=True)
    with pytest.raises(NotImplementedError, match='transformers'):
        evaluate_experiment(redetection, sequences(), {})
    got = evaluate_experiment(realtime, sequences(), {
        k: {'runs': v} for k, v in runs('trk_mid', 'supervised').items()})
    assert got['accuracy'] == pytest.approx(
        expected()['vot_toolkit']['supervised']['trk_mid']['accuracy'],
        abs=1e-6)
