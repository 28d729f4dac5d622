"""Every value of expected.json, reproduced by our named protocols."""
import functools
import math
import warnings

import pytest

from stark_plugin.evaluation import evaluate_tracker, load_benchmark
from stark_plugin.fileio.results import load_tracker_results
from stark_plugin.evaluation.functional import InvalidPredictionWarning

from ._fixture import (DATA, DATASETS, METHOD_TO_PROTOCOL, assert_matches,
                       cases, expected, is_toolkit_failure, results_dir,
                       tolerance)


@functools.lru_cache(maxsize=None)
def _annotations(ds_key):
    name, folder, split = DATASETS[ds_key]
    return tuple(load_benchmark(name, f'{DATA}/{folder}', split))


@functools.lru_cache(maxsize=None)
def _results(ds_key, protocol, tracker):
    annos = _annotations(ds_key)
    return load_tracker_results(
        results_dir(ds_key, protocol, tracker), [a.name for a in annos])


def _run(ds_key, method, tracker, on_invalid):
    protocol = METHOD_TO_PROTOCOL[method]
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', InvalidPredictionWarning)
        return evaluate_tracker(
            _annotations(ds_key), _results(ds_key, protocol, tracker),
            protocol, DATASETS[ds_key][0], on_invalid).to_dict()


@pytest.mark.parametrize('ds_key,method,tracker', cases())
def test_reproduces_expected(ds_key, method, tracker):
    """Toolkit mode: dataset and per-sequence values, errors and NaN too."""
    exp = expected()['results'][ds_key][method][tracker]
    got = _run(ds_key, method, tracker, on_invalid='toolkit')
    tol = tolerance(METHOD_TO_PROTOCOL[method])
    where = f'{ds_key}/{method}/{tracker}'
    n = assert_matches(exp, got, tol, where)
    for seq, values in (exp.get('per_sequence') or {}).items():
        assert seq in got['per_sequence'], f'{where}: {seq} not scored'
        n += assert_matches(values, got['per_sequence'][seq], tol,
                            f'{where}/{seq}')
    assert n > 0


def test_every_dataset_method_and_tracker_is_covered():
    """The parametrisation above really walks the whole file."""
    found = {(d, m) for d, m, _ in cases()}
    assert len(cases()) == 3 * len(found)
    assert {d for d, _ in found} == set(DATASETS)
    assert {m for _, m in found} == set(METHOD_TO_PROTOCOL)


TOOLKIT_FAILURES = [(d, m, t) for d, m, t in cases()
                    if any(is_toolkit_failure(v) for v in
                           expected()['results'][d][m][t].values())]


@pytest.mark.parametrize('ds_key,method,tracker', TOOLKIT_FAILURES)
def test_default_mode_counts_a_miss_where_the_toolkit_fails(
        ds_key, method, tracker):
    """Where a toolkit raises or gives NaN, the default mode warns, gives a
    finite number, and still agrees on everything the toolkit did give."""
    exp = expected()['results'][ds_key][method][tracker]
    protocol = METHOD_TO_PROTOCOL[method]
    with pytest.warns(InvalidPredictionWarning, match='frame'):
        got = evaluate_tracker(
            _annotations(ds_key), _results(ds_key, protocol, tracker),
            protocol, DATASETS[ds_key][0]).to_dict()
    assert 'error' not in got
    numbers = [v for k, v in got.items() if isinstance(v, float)]
    assert numbers and all(math.isfinite(v) for v in numbers)
    for key, value in exp.items():
        if is_toolkit_failure(value) and key != 'error':
            assert math.isfinite(got[key]) and 0 <= got[key] <= 100
    assert_matches(exp, got, tolerance(protocol), 'default', True)
    for seq, values in (exp.get('per_sequence') or {}).items():
        assert 'error' not in got['per_sequence'][seq]
        assert_matches(values, got['per_sequence'][seq], tolerance(protocol),
                       seq, skip_failures=True)
