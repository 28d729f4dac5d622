"""Every analysis of one experiment, from its parameters and the results.

:func:`evaluate_experiment` is what ``vot analysis`` reports for an
experiment of a stack: supervised AR, failures and EAO; multistart AR and
EAO; unsupervised average overlap (one key per ``average_accuracy``
analysis); long-term precision / recall / F-score. ``VOTMetric`` and
``tools/analysis/eval_results.py`` both go through it.
"""
from typing import Dict, List, Mapping, Optional, Sequence, Tuple, Union

from .experiments import VOTExperiment
from .interval import eao_interval as interval_from_lengths
from .longterm import evaluate_longterm
from .multistart import evaluate_multistart, multistart_lengths
from .sequence import VOTSequence
from .supervised import evaluate_supervised
from .unsupervised import evaluate_unsupervised

__all__ = ['evaluate_experiment', 'resolve_eao_interval',
           'accuracy_key', 'scalar_keys']

Interval = Union[None, str, Tuple[int, int]]


def resolve_eao_interval(experiment: VOTExperiment,
                         sequences: Sequence[VOTSequence],
                         interval: Interval = None
                         ) -> Optional[Tuple[int, int]]:
    """``None``: the stack's interval; ``'auto'``: estimated from the
    sequence lengths (supervised) or the anchor sub-sequence lengths
    (multistart) with :func:`eao_interval`; ``(low, high)``: as given."""
    if interval is None:
        return experiment.eao_interval
    if isinstance(interval, str):
        if interval != 'auto':
            raise ValueError(f"eao_interval must be None, 'auto' or "
                             f"(low, high), got {interval!r}")
        lengths = multistart_lengths(sequences) \
            if experiment.kind == 'multistart' else \
            [len(s) for s in sequences]
        found = interval_from_lengths(lengths)
        return found.low, found.high
    low, high = (int(v) for v in interval)
    if not 0 <= low <= high:
        raise ValueError(f'eao_interval must have 0 <= low <= high, got '
                         f'{tuple(interval)}')
    return low, high


def accuracy_key(analyses: Sequence[dict], index: int) -> str:
    """Key of ``analyses[index]`` (the ``average_accuracy`` analyses of an
    experiment): ``average_overlap`` for the first,
    ``average_overlap_burnin<b>`` for another burn-in, else
    ``average_overlap_<name or index>``."""
    if index == 0:
        return 'average_overlap'
    analysis = analyses[index]
    burnins = [a['burnin'] for a in analyses]
    if burnins.count(analysis['burnin']) == 1:
        return f"average_overlap_burnin{analysis['burnin']}"
    return f"average_overlap_{analysis.get('name') or index}"


def _runs(results: Mapping[str, dict], sequences) -> Dict[str, object]:
    out = {}
    for seq in sequences:
        if seq.name not in results:
            raise ValueError(f'{seq.name}: no results for this sequence')
        out[seq.name] = results[seq.name]['runs']
    return out


def _supervised(exp, sequences, results, interval, variant) -> Dict:
    ar = (exp.find('supervised_average_ar', 'supervised_ar')
          or [dict(burnin=10, sensitivity=30.0, bounded=True,
                   ignore_unknown=True)])[0]
    low, high = interval or (0, 0)
    out = evaluate_supervised(
        sequences, _runs(results, sequences), low, high,
        burnin=ar['burnin'], sensitivity=ar['sensitivity'],
        variant=variant, bounded=ar['bounded'],
        ignore_unknown=ar['ignore_unknown'])
    if interval is None:
        out.pop('eao')
    return out


def _multistart(exp, sequences, results, interval) -> Dict:
    params = (exp.find('multistart_eao_score', 'multistart_average_ar',
                       'multistart_ar')
              or [dict(grace=10, threshold=0.1, burnin=10)])[0]
    if interval is None:
        raise ValueError(f'experiment {exp.name!r}: multistart needs an '
                         'EAO interval (a multistart_eao_score analysis or '
                         'eao_interval)')
    return evaluate_multistart(
        sequences, _runs(results, sequences), interval[0], interval[1],
        grace=params['grace'], threshold=params['threshold'],
        burnin=params['burnin'])


def _unsupervised(exp, sequences, results) -> Dict:
    runs = _runs(results, sequences)
    out: Dict = {'per_sequence': {s.name: {} for s in sequences}}
    accuracy = exp.find('average_accuracy') or \
        ([] if exp.reports_confidence else [dict(
            type='average_accuracy', burnin=10, ignore_unknown=True,
            ignore_invisible=False, bounded=True, threshold=None,
            filter_tag=None, weighted=True)])
    for i, a in enumerate(accuracy):
        if a.get('filter_tag') is not None:
            raise NotImplementedError(
                f'experiment {exp.name!r}: average_accuracy with filter_tag '
                'is not supported')
        key = accuracy_key(accuracy, i)
        got = evaluate_unsupervised(
            sequences, runs, burnin=a['burnin'],
            ignore_unknown=a['ignore_unknown'],
            ignore_invisible=a['ignore_invisible'], threshold=a['threshold'],
            bounded=a['bounded'], weighted=a['weighted'])
        out[key] = got['average_overlap']
        for name, values in got['per_sequence'].items():
            out['per_sequence'][name][key] = values['average_overlap']
    tpr = exp.find('average_tpr', 'pr_curve', 'f_curve')
    if tpr:
        conf = {s.name: results[s.name].get('values', {}).get('confidence')
                for s in sequences}
        got = evaluate_longterm(sequences, runs, conf,
                                resolution=tpr[0]['resolution'],
                                bounded=tpr[0]['bounded'])
        for name, values in got.pop('per_sequence').items():
            out['per_sequence'][name].update(values)
        out.update(got)
    return out


def evaluate_experiment(experiment: VOTExperiment,
                        sequences: Sequence[VOTSequence],
                        results: Mapping[str, dict],
                        eao_interval: Interval = None,
                        variant: str = 'vot-toolkit') -> Dict:
    """Analyses of one experiment.

    Args:
        experiment: kind and analysis parameters.
        sequences: the sequences, in dataset order.
        results: ``{name: {'runs': [...] | {anchor: ...}, 'values':
            {'confidence': ...}}}`` (``fileio.vot.workspace`` layout).
        eao_interval: see :func:`resolve_eao_interval`.
        variant: supervised only, ``'vot-toolkit'`` or ``'mmtracking'``.

    Returns:
        The metric dict of the kind (see ``evaluate_supervised``,
        ``evaluate_multistart``, ``evaluate_unsupervised``,
        ``evaluate_longterm``), plus ``eao_interval`` where one is used.
    """
    if not sequences:
        raise ValueError('no sequences to evaluate')
    reason = experiment.unsupported(tracking=False)
    if reason:
        raise NotImplementedError(reason)
    interval = None
    if experiment.kind in ('supervised', 'multistart'):
        interval = resolve_eao_interval(experiment, sequences, eao_interval)
    if experiment.kind == 'supervised':
        out = _supervised(experiment, sequences, results, interval, variant)
    elif experiment.kind == 'multistart':
        out = _multistart(experiment, sequences, results, interval)
    else:
        out = _unsupervised(experiment, sequences, results)
    if interval is not None:
        out['eao_interval'] = list(interval)
    return out


def scalar_keys(metrics: Dict) -> List[str]:
    """The keys of ``metrics`` that hold one number (for tables, logs)."""
    return [k for k, v in metrics.items()
            if isinstance(v, (int, float)) and not isinstance(v, bool)]
