"""Every value of expected.json's ``vot_toolkit`` section (``vot analysis``
of vot-toolkit 0.9.0), reproduced from the result folders through the
fileio reader and the analyses. Settings, trackers, sequences and
intervals are read from the fixture's stack and expected.json.

Tolerance 1e-6 everywhere (the fixture's bar). The supervised EAO curve is
built in float32 by the toolkit; the implementation repeats its float32
operations, so it needs no wider tolerance.
"""
import pytest

from stark_plugin.evaluation.functional.vot import (eao_interval,
                                                    evaluate_multistart,
                                                    evaluate_supervised,
                                                    evaluate_unsupervised,
                                                    multistart_lengths)

from ._vot_fixture import (analyses, anchor_runs, compare, expected,
                           experiment_type, leaf_count, one_analysis, runs,
                           sequences, stack)

CASES = [(exp, trk) for exp, trackers in expected()['vot_toolkit'].items()
         for trk in trackers]


def _supervised(experiment: str, tracker: str) -> dict:
    ar = one_analysis(experiment, 'supervised.AverageAccuracyRobustness')
    eao = one_analysis(experiment, 'supervised.EAOScore')
    for key in ('burnin', 'bounded'):
        assert ar[key] == eao[key], f'{key} differs between AR and EAO'
    return evaluate_supervised(
        sequences(), runs(tracker, experiment), eao['low'], eao['high'],
        burnin=ar['burnin'], sensitivity=ar['sensitivity'],
        bounded=ar['bounded'], ignore_unknown=ar['ignore_unknown'])


def _multistart(experiment: str, tracker: str) -> dict:
    eao = one_analysis(experiment, 'multistart.EAOScore')
    ar = one_analysis(experiment, 'multistart.AverageAccuracyRobustness')
    for key in ('grace', 'threshold', 'burnin'):
        assert ar[key] == eao[key], f'{key} differs between AR and EAO'
    return evaluate_multistart(
        sequences(), anchor_runs(tracker, experiment), eao['low'],
        eao['high'], grace=eao['grace'], threshold=eao['threshold'],
        burnin=eao['burnin'])


def _unsupervised(experiment: str, tracker: str) -> dict:
    """One ``average_overlap*`` key per AverageAccuracy analysis: the
    stack's main burnin (``effective.accuracy_burnin``) is
    ``average_overlap``, others ``average_overlap_burnin<b>``."""
    main = expected()['stack']['effective'][experiment]['accuracy_burnin']
    trajectories = runs(tracker, experiment)
    out = {'per_sequence': {s.name: {} for s in sequences()}}
    for a in analyses(experiment, 'accuracy.AverageAccuracy'):
        assert a['filter_tag'] is None, 'filter_tag is not implemented'
        key = 'average_overlap' if a['burnin'] == main else \
            f"average_overlap_burnin{a['burnin']}"
        got = evaluate_unsupervised(
            sequences(), trajectories, burnin=a['burnin'],
            ignore_unknown=a['ignore_unknown'],
            ignore_invisible=a['ignore_invisible'],
            threshold=a['threshold'], bounded=a['bounded'],
            weighted=a['weighted'])
        out[key] = got['average_overlap']
        for name, values in got['per_sequence'].items():
            out['per_sequence'][name][key] = values['average_overlap']
    return out


EVALUATE = {'supervised': _supervised, 'multistart': _multistart,
            'unsupervised': _unsupervised}


@pytest.mark.parametrize('experiment,tracker', CASES)
def test_reproduces_vot_analysis(experiment, tracker):
    exp = expected()['vot_toolkit'][experiment][tracker]
    got = EVALUATE[experiment_type(experiment)](experiment, tracker)
    diffs = {}
    compare(exp, got, f'{experiment}/{tracker}', diffs)
    assert len(diffs) == leaf_count(exp)
    assert set(exp['per_sequence']) == {s.name for s in sequences()}


def test_every_experiment_is_covered():
    assert {e for e, _ in CASES} == set(stack()['experiments'])
    assert {experiment_type(e) for e, _ in CASES} == set(EVALUATE)


@pytest.mark.parametrize('experiment',
                         list(expected()['stack']['eao_intervals']))
def test_eao_interval_from_lengths(experiment):
    """The interval rule on the fixture's lengths gives the stack's
    interval and bandwidth (3 decimals in expected.json)."""
    spec = expected()['stack']['eao_intervals'][experiment]
    if experiment_type(experiment) == 'multistart':
        lengths = multistart_lengths(sequences())
    else:
        lengths = [len(s) for s in sequences()]
    assert sorted(lengths) == sorted(spec['from_lengths'])
    got = eao_interval(lengths)
    assert (got.low, got.high) == (spec['low'], spec['high'])
    assert abs(got.bandwidth - spec['kde_bandwidth']) <= 5e-4
    score = [a for a in stack()['experiments'][experiment]['analyses']
             if a['type'].endswith('eao_score')]
    assert [(a['low'], a['high']) for a in score] == [(got.low, got.high)]
