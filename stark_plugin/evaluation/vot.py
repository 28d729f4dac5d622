"""VOT evaluation from files: stacks, sequences and a tracker's result
folders, for ``VOTMetric`` and ``tools/analysis/eval_results.py``.

``stack`` is an official stack name (``vot2018``, ``vot2020``,
``votlt2020``, ... see ``OFFICIAL_STACKS``), a ``stack.yaml`` path, or a
parsed stack dict. ``protocol`` names the experiment kinds the configs
select: ``vot-supervised`` (VOT2013-2019 resets), ``vot-multistart``
(VOT2020-2022 anchors), ``vot-unsupervised`` (one pass) and
``vot-longterm`` (one pass with confidences, VOT-LT).
"""
import os.path as osp
from typing import Dict, List, Optional, Sequence, Union

from ..errors import InputError
from ..fileio.frames import read_frame
from ..fileio.vot import (color_frame_pattern, find_sequence_list,
                          read_dataset, read_experiment_runs, read_stack)
from .functional.vot import (OFFICIAL_STACKS, VOTExperiment, VOTSequence,
                             evaluate_experiment, parse_stack,
                             resolve_eao_interval)
from .functional.vot.experiments import (multistart_spec, supervised_spec,
                                         unsupervised_spec)

__all__ = ['VOT_PROTOCOLS', 'load_experiments', 'select_experiment',
           'protocol_of', 'default_experiment', 'load_vot_sequences',
           'read_tracker_results', 'evaluate_tracker_folders']

VOT_PROTOCOLS = ('vot-supervised', 'vot-multistart', 'vot-unsupervised',
                 'vot-longterm')

Stack = Union[str, dict]


def load_experiments(stack: Stack) -> List[VOTExperiment]:
    """The experiments of an official stack name, a file or a dict."""
    if isinstance(stack, dict):
        return parse_stack(stack)
    if stack in OFFICIAL_STACKS:
        return parse_stack(OFFICIAL_STACKS[stack], stack)
    if osp.isfile(stack):
        return parse_stack(read_stack(stack), stack)
    raise InputError(f'unknown VOT stack {stack!r}: neither one of '
                     f'{sorted(OFFICIAL_STACKS)} nor a stack file')


def protocol_of(experiment: VOTExperiment) -> str:
    """``vot-<kind>``, ``vot-longterm`` when an analysis reads
    confidences."""
    if experiment.reports_confidence:
        return 'vot-longterm'
    return f'vot-{experiment.kind}'


def select_experiment(experiments: Sequence[VOTExperiment],
                      name: Optional[str] = None,
                      protocol: Optional[str] = None) -> VOTExperiment:
    """The experiment called ``name``; else the first of ``protocol``;
    else the first one. ``protocol``, if given, must match."""
    found = list(experiments)
    if name is not None:
        found = [e for e in found if e.name == name]
        if not found:
            raise InputError(f'no experiment {name!r} in the stack (have '
                             f'{[e.name for e in experiments]})')
    if protocol is not None:
        if protocol not in VOT_PROTOCOLS:
            raise InputError(f'unknown VOT protocol {protocol!r}; expected '
                             f'one of {VOT_PROTOCOLS}')
        matching = [e for e in found if protocol_of(e) == protocol]
        if not matching:
            raise InputError(
                f'protocol {protocol!r} does not fit experiment(s) '
                f'{[(e.name, protocol_of(e)) for e in found]}')
        found = matching
    return found[0]


def default_experiment(protocol: str) -> VOTExperiment:
    """An experiment of ``protocol`` with the official stacks' settings
    (supervised: 15 repetitions, skip_initialize 5; unsupervised: burn-in
    1 as in VOT2020+) and no EAO interval (give one, or ``'auto'``)."""
    spec = {'vot-supervised': ('baseline', supervised_spec(0, 0)),
            'vot-multistart': ('baseline', multistart_spec(0, 0)),
            'vot-unsupervised': ('unsupervised', unsupervised_spec(1)),
            'vot-longterm': ('longterm', OFFICIAL_STACKS['votlt2020'][
                'experiments']['longterm'])}.get(protocol)
    if spec is None:
        raise InputError(f'unknown VOT protocol {protocol!r}; expected one '
                         f'of {VOT_PROTOCOLS}')
    name, exp = spec
    exp = dict(exp, analyses=[a for a in exp['analyses']
                              if not a['type'].endswith('eao_score')])
    return parse_stack({'experiments': {name: exp}})[0]


def load_vot_sequences(root: str) -> List[VOTSequence]:
    """Every sequence of ``list.txt`` (in ``root``, ``root/sequences`` or
    ``root/data``), anchors included; the image size is read from the
    first colour frame when the ``sequence`` file does not give it, as the
    toolkit does."""
    out = []
    for record in read_dataset(find_sequence_list(root)):
        if record.width is None or record.height is None:
            first = osp.join(record.path, color_frame_pattern(
                record.metadata) % 1)
            record.height, record.width = read_frame(first).shape[:2]
        out.append(VOTSequence.from_record(record))
    return out


def read_tracker_results(tracker_dir: str, experiment: VOTExperiment,
                         sequences: Sequence[VOTSequence]) -> Dict:
    """``{sequence: {'runs', 'values'}}`` of ``<tracker_dir>/<experiment>``
    for every sequence (the anchors of ``anchor.value`` for multistart)."""
    folder = osp.join(tracker_dir, experiment.name)
    if not osp.isdir(folder):
        raise FileNotFoundError(f'{folder}: no results of experiment '
                                f'{experiment.name!r}')
    values = ('confidence', ) if experiment.reports_confidence else ()
    out = {}
    for seq in sequences:
        forward, backward = seq.anchor_frames()
        out[seq.name] = read_experiment_runs(
            folder, seq.name, experiment.kind, forward + backward, values)
    return out


def evaluate_tracker_folders(data_root: str, tracker_dirs: Dict[str, str],
                             stack: Stack,
                             experiments: Optional[Sequence[str]] = None,
                             eao_interval=None,
                             variant: str = 'vot-toolkit') -> Dict:
    """Analyse toolkit result folders as ``vot analysis`` does.

    Args:
        data_root: the sequences (see :func:`load_vot_sequences`).
        tracker_dirs: ``{tracker name: <results>/<tracker> folder}``.
        stack: see the module docstring.
        experiments: names to analyse; default: every experiment of the
            stack with a folder in at least one tracker folder.
        eao_interval, variant: see ``evaluate_experiment``.

    Returns:
        ``{'sequences': [...], 'experiments': {name: {'protocol',
        'kind', 'eao_interval', 'trackers': {tracker: metrics}}},
        'skipped': {name: reason}}`` (``skipped``: experiments with
        results that are not supported, e.g. VOT-LT ``redetection``).
    """
    sequences = load_vot_sequences(data_root)
    known = load_experiments(stack)
    skipped = {}
    if experiments:
        chosen = [select_experiment(known, name) for name in experiments]
    else:
        chosen = [e for e in known if any(
            osp.isdir(osp.join(d, e.name)) for d in tracker_dirs.values())]
        skipped = {e.name: e.unsupported(tracking=False) for e in chosen
                   if e.unsupported(tracking=False)}
        chosen = [e for e in chosen if e.name not in skipped]
        if not chosen and not skipped:
            raise FileNotFoundError(
                f'none of the experiments {[e.name for e in known]} has a '
                f'results folder in {sorted(tracker_dirs.values())}')
    report: Dict = {'sequences': [s.name for s in sequences],
                    'experiments': {}, 'skipped': skipped}
    for exp in chosen:
        interval = None
        if exp.kind != 'unsupervised':
            interval = resolve_eao_interval(exp, sequences, eao_interval)
        entry = {'protocol': protocol_of(exp), 'kind': exp.kind,
                 'eao_interval': list(interval) if interval else None,
                 'variant': variant if exp.kind == 'supervised' else
                 'vot-toolkit', 'trackers': {}}
        for name, folder in tracker_dirs.items():
            results = read_tracker_results(folder, exp, sequences)
            entry['trackers'][name] = evaluate_experiment(
                exp, sequences, results, interval,
                variant if exp.kind == 'supervised' else 'vot-toolkit')
        report['experiments'][exp.name] = entry
    return report
