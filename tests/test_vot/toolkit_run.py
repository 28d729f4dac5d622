"""The toolkit run kept in ``tests/data/vot_toolkit`` (see its README) and
what the tests of toolkit runs share: the completeness check, the
generator call of the kept sequences, ``vot analysis`` numbers by name,
``eval_results.py`` on a result folder and the comparison of both."""
import json
import os.path as osp
from typing import Dict, List, Sequence

import numpy as np
import yaml

from stark_plugin.datasets.synthetic_vot import make_synthetic_vot
from stark_plugin.fileio.vot import (VOTMask, VOTSequenceFolder,
                                     read_anchor_runs, read_dataset,
                                     read_runs)
from stark_plugin.testing.scripts import import_script

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DATA = osp.join(REPO, 'tests', 'data', 'vot_toolkit')
STACK = osp.join(DATA, 'stack.yaml')
EVAL_RESULTS = osp.join(REPO, 'tools', 'analysis', 'eval_results.py')

#: the fields of each toolkit analysis's result tuple, by the names the
#: package reports them under (the tuples as vot-toolkit 0.7.4 and 0.9.0
#: return them, see tests/data/vot_metrics/README.md)
TOOLKIT_FIELDS = {
    'vot.analysis.supervised.AverageAccuracyRobustness':
    ('accuracy', 'robustness', 'ar_point', 'mean_length'),
    'vot.analysis.failures.CumulativeFailureCount': ('failures_total', ),
    'vot.analysis.supervised.EAOScore': ('eao', ),
    'vot.analysis.multistart.AverageAccuracyRobustness':
    ('accuracy', 'robustness', 'ar_point', 'accuracy_weight',
     'robustness_weight'),
    'vot.analysis.multistart.EAOScore': ('eao', ),
    'vot.analysis.accuracy.AverageAccuracy': ('average_overlap', ),
}


def stack_experiments(stack: str = STACK) -> dict:
    with open(stack) as f:
        return yaml.safe_load(f)['experiments']


def check_complete(results: str, sequences: str = osp.join(DATA, 'sequences'),
                   stack: str = STACK) -> None:
    """Every experiment of the stack has its trajectories for every
    sequence, of the sequence's length (multistart: from each anchor)."""
    for name, spec in stack_experiments(stack).items():
        folder = osp.join(results, name)
        for seq in read_dataset(sequences):
            if spec['type'] == 'multistart':
                anchors = np.flatnonzero(seq.values['anchor'] > 0)
                runs = read_anchor_runs(folder, seq.name, anchors)
                assert sorted(runs) == anchors.tolist()
                assert all(len(r) == seq.length - a for a, r in
                           runs.items())
            else:
                runs = read_runs(folder, seq.name)
                assert len(runs) == spec['repetitions']
                assert all(len(r) == seq.length for r in runs)


def kept_generator_call() -> dict:
    """The keyword arguments of ``make_synthetic_vot`` that wrote the kept
    sequences (``generator.json``)."""
    with open(osp.join(DATA, 'generator.json')) as f:
        call = json.load(f)
    assert call['function'] == '{}.{}'.format(make_synthetic_vot.__module__,
                                              make_synthetic_vot.__name__)
    kwargs = dict(call['kwargs'])
    kwargs['size'] = tuple(kwargs['size'])
    kwargs['regions'] = tuple(kwargs['regions'])
    return kwargs


def experiment_runs(results: str, experiment: str, kind: str,
                    seq: VOTSequenceFolder) -> Dict[object, List[object]]:
    """``{run or anchor: regions}`` of one sequence in a result folder."""
    folder = osp.join(results, experiment)
    if kind == 'multistart':
        anchors = np.flatnonzero(seq.values['anchor'] > 0)
        return read_anchor_runs(folder, seq.name, anchors)
    return dict(enumerate(read_runs(folder, seq.name), 1))


def toolkit_numbers(report: dict, tracker: str) -> Dict[str, dict]:
    """``{experiment: {name: value}}`` of a ``vot analysis --format json``
    report, named by ``TOOLKIT_FIELDS``."""
    index = list(report['trackers']).index(tracker)
    out: Dict[str, dict] = {}
    for experiment, entry in report['results'].items():
        named = out.setdefault(experiment, {})
        for analysis, values in zip(entry['parameters']['analyses'],
                                    entry['results']):
            fields = TOOLKIT_FIELDS[analysis['type']]
            named.update(zip(fields, values[index]))
    return out


def eval_results(sequences: str, tracker_dir: str, out: str,
                 stack: str = STACK) -> Dict[str, dict]:
    """``tools/analysis/eval_results.py --dataset vot`` on one tracker's
    result folder: ``{experiment: metrics}`` of the JSON it writes."""
    tool = import_script(EVAL_RESULTS)
    assert tool.main(['--dataset', 'vot', '--data-root', sequences,
                      '--stack', stack, '--results', tracker_dir, '--out',
                      out]) == 0
    with open(out) as f:
        report = json.load(f)
    name = osp.basename(osp.normpath(tracker_dir))
    return {e: entry['trackers'][name]
            for e, entry in report['experiments'].items()}


def assert_numbers_match(expected: Dict[str, dict], got: Dict[str, dict],
                         tol: float, names: Sequence[str] = ()) -> int:
    """Every number of ``expected`` (``{experiment: {name: value}}``) is in
    ``got`` within ``tol`` (lists element-wise); ``names`` restricts the
    names compared. Returns how many values were compared."""
    assert set(got) >= set(expected), (sorted(got), sorted(expected))
    count = 0
    for experiment, numbers in expected.items():
        for name, value in numbers.items():
            if names and name not in names:
                continue
            assert name in got[experiment], (experiment, name)
            want = np.asarray(value, np.float64)
            have = np.asarray(got[experiment][name], np.float64)
            assert have.shape == want.shape, (experiment, name)
            diff = float(np.max(np.abs(have - want)))
            assert diff <= tol, (f'{experiment}/{name}: {have} vs the '
                                 f'toolkit\'s {want} (diff {diff:.3g} > '
                                 f'{tol:.3g})')
            count += want.size
    return count


def trax_transported(region: object) -> object:
    """``region`` as the toolkit stores it after TraX carried it: libtrax
    writes a rectangle as text, ``%.4f`` a value (``region_string``), and
    reads it back with ``atof`` into a C float; masks (run-length coded)
    and codes arrive unchanged."""
    if isinstance(region, np.ndarray) and region.shape == (4, ):
        return np.array([float('%.4f' % np.float32(v)) for v in region],
                        np.float32)
    return region


def assert_same_region(toolkit: object, reported: object,
                       where: str) -> None:
    """The toolkit's region equals the tracker's reported one after TraX
    transport: the same code, the same mask pixels and offset, or the
    rectangle of :func:`trax_transported` to the last float32 bit."""
    expected = trax_transported(reported)
    if isinstance(expected, int) or isinstance(toolkit, int):
        assert toolkit == expected, f'{where}: {toolkit!r} vs {expected!r}'
    elif isinstance(expected, VOTMask):
        assert isinstance(toolkit, VOTMask), f'{where}: {toolkit!r}'
        assert tuple(toolkit.offset) == tuple(expected.offset) and \
            np.array_equal(toolkit.mask, expected.mask), where
    else:
        assert np.asarray(toolkit).dtype == np.float32, where
        assert np.array_equal(toolkit, expected), \
            f'{where}: {toolkit} vs {expected} (reported {reported})'
