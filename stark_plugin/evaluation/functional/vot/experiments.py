"""VOT experiments as a vot-toolkit stack defines them: the tracking rules
(supervised resets, anchors, repetitions) and the analyses with their
parameters (vot-toolkit 0.9.0 defaults filled in).

A stack is plain data: the parsed ``stack.yaml`` of a workspace
(``stark_plugin.fileio.vot.read_stack``) or one of
:data:`OFFICIAL_STACKS`, the toolkit's own stacks (``vot/stack/*.yaml``)
for the challenges that configs use.
"""
import copy
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import numpy as np

from .raster import region_overlaps
from .regions import Regions

__all__ = ['KINDS', 'VOTExperiment', 'parse_stack', 'load_official_stack',
           'OFFICIAL_STACKS', 'trajectories_equal', 'supervised_spec',
           'multistart_spec', 'unsupervised_spec']

KINDS = ('supervised', 'multistart', 'unsupervised')

_LEGACY_KINDS = {'SupervisedExperiment': 'supervised',
                 'UnsupervisedExperiment': 'unsupervised',
                 'MultiStartExperiment': 'multistart'}
_LEGACY_ANALYSES = {'AccuracyRobustness': 'supervised_average_ar',
                    'EAOScore': 'supervised_eao_score',
                    'EAOCurve': 'supervised_eao_curve',
                    'Failures': 'cumulative_failures',
                    'AverageAccuracy': 'average_accuracy'}

_AR = dict(sensitivity=30.0, burnin=10, ignore_unknown=True, bounded=True)
_MS = dict(burnin=10, grace=10, bounded=True, threshold=0.1)
_ACC = dict(burnin=10, ignore_unknown=True, ignore_invisible=False,
            bounded=True, threshold=None, filter_tag=None, weighted=True)
_TPR = dict(resolution=100, ignore_unknown=True, bounded=True, beta=1.0)
#: analysis type -> vot-toolkit 0.9.0 default parameters
ANALYSIS_DEFAULTS: Dict[str, dict] = {
    'supervised_average_ar': _AR, 'supervised_ar': _AR,
    'supervised_eao_score': dict(burnin=10, bounded=True),
    'supervised_eao_curve': dict(burnin=10, bounded=True),
    'cumulative_failures': {}, 'failures': {},
    'multistart_eao_score': _MS, 'multistart_eao_curve': _MS,
    'multistart_average_ar': _MS, 'multistart_ar': _MS,
    'multistart_eao_curves': _MS,
    'average_accuracy': _ACC, 'accuracy': _ACC,
    'average_tpr': _TPR, 'pr_curve': _TPR, 'pr_curves': _TPR,
    'f_curve': _TPR,
}


@dataclass(frozen=True)
class VOTExperiment:
    """One experiment of a stack.

    ``name`` is the results folder (``<tracker>/<name>/<seq>/``); ``kind``
    one of :data:`KINDS`; tracking rules as the toolkit's experiment
    classes (``repetitions``, ``early_stop``, ``skip_initialize``,
    ``failure_overlap``, ``skip_tags``, ``anchor``); ``analyses`` are
    dicts with ``type`` and every parameter (defaults filled in);
    ``realtime`` and ``transformers`` (sequence transformers such as
    VOT-LT's ``redetection``) are kept; neither is supported here (see
    :meth:`unsupported`).
    """
    name: str
    kind: str
    repetitions: int = 1
    early_stop: bool = True
    skip_initialize: int = 1
    failure_overlap: float = 0.0
    skip_tags: Tuple[str, ...] = ()
    anchor: str = 'anchor'
    realtime: Optional[dict] = None
    transformers: Tuple[dict, ...] = ()
    analyses: Tuple[dict, ...] = field(default_factory=tuple)

    def unsupported(self, tracking: bool) -> Optional[str]:
        """Why this experiment cannot be run (``tracking``) or analysed
        here, or None: sequence transformers change the sequences
        themselves; a real-time experiment only changes the tracking."""
        if self.transformers:
            kinds = [t.get('type') for t in self.transformers]
            return (f'experiment {self.name!r} transforms its sequences '
                    f'({kinds}); sequence transformers are not supported')
        if tracking and self.realtime:
            return (f'experiment {self.name!r} simulates real-time '
                    'tracking, which is not supported (its results can be '
                    'analysed)')
        return None

    def find(self, *types: str) -> List[dict]:
        """The analyses of the given types, in stack order."""
        return [a for a in self.analyses if a['type'] in types]

    @property
    def eao_interval(self) -> Optional[Tuple[int, int]]:
        """``(low, high)`` of the experiment's EAO score analysis."""
        found = self.find('supervised_eao_score', 'multistart_eao_score')
        return (int(found[0]['low']), int(found[0]['high'])) if found \
            else None

    @property
    def reports_confidence(self) -> bool:
        """Whether an analysis reads per-frame confidences (VOT-LT)."""
        return bool(self.find('average_tpr', 'pr_curve', 'pr_curves',
                              'f_curve'))


def _analysis(item: dict, kind: str, where: str) -> dict:
    if not isinstance(item, dict) or 'type' not in item:
        raise ValueError(f'{where}: an analysis needs a "type"')
    atype = _LEGACY_ANALYSES.get(item['type'], item['type'])
    if kind == 'multistart' and atype.startswith('supervised_eao'):
        atype = atype.replace('supervised', 'multistart')
    out = dict(copy.deepcopy(ANALYSIS_DEFAULTS.get(atype, {})))
    out.update({k: v for k, v in item.items() if k != 'type'})
    out['type'] = atype
    if atype.endswith('eao_score'):
        for key in ('low', 'high'):
            if not isinstance(out.get(key), int):
                raise ValueError(f'{where}: {atype} needs an integer {key}')
    return out


def parse_stack(stack: dict, where: str = 'stack') -> List[VOTExperiment]:
    """The experiments of a stack (parsed YAML), in stack order."""
    experiments = stack.get('experiments')
    if not isinstance(experiments, dict) or not experiments:
        raise ValueError(f'{where}: no experiments')
    out = []
    for name, spec in experiments.items():
        spec = spec or {}
        kind = _LEGACY_KINDS.get(spec.get('type'), spec.get('type'))
        if kind not in KINDS:
            raise ValueError(f'{where}: experiment {name!r} has type '
                             f'{spec.get("type")!r}; supported: {KINDS}')
        analyses = tuple(
            _analysis(a, kind, f'{where}: experiment {name!r}')
            for a in spec.get('analyses') or [])
        out.append(VOTExperiment(
            name=str(name), kind=kind,
            repetitions=int(spec.get('repetitions', 1)),
            early_stop=bool(spec.get('early_stop', True)),
            skip_initialize=int(spec.get('skip_initialize', 1)),
            failure_overlap=float(spec.get('failure_overlap', 0.0)),
            skip_tags=tuple(spec.get('skip_tags') or ()),
            anchor=str(spec.get('anchor', 'anchor')),
            realtime=spec.get('realtime'),
            transformers=tuple(spec.get('transformers') or ()),
            analyses=analyses))
    return out


def supervised_spec(low: int, high: int) -> dict:
    """A supervised experiment as the official stacks write it."""
    return dict(type='supervised', repetitions=15, skip_initialize=5,
                analyses=[dict(type='supervised_average_ar', sensitivity=30),
                          dict(type='supervised_eao_score', low=low,
                               high=high),
                          dict(type='supervised_eao_curve')])


def unsupervised_spec(burnin: Optional[int] = None) -> dict:
    """An unsupervised experiment (``average_accuracy``, default burn-in
    10 when ``burnin`` is None)."""
    acc = dict(type='average_accuracy', name='accuracy')
    if burnin is not None:
        acc['burnin'] = burnin
    return dict(type='unsupervised', repetitions=1, analyses=[acc])


def multistart_spec(low: int, high: int) -> dict:
    """A multistart experiment as the VOT2020-2022 stacks write it."""
    return dict(type='multistart', analyses=[
        dict(type='multistart_eao_score', name='eaoscore', low=low,
             high=high),
        dict(type='multistart_eao_curve', name='eaocurve', high=high),
        dict(type='multistart_average_ar', name='ar')])


#: vot-toolkit's stacks (``vot/stack/<name>.yaml``, 0.9.0 type names);
#: the ``realtime`` experiments are left out (not simulated here)
OFFICIAL_STACKS: Dict[str, dict] = {
    'vot2016': dict(experiments=dict(baseline=supervised_spec(108, 371),
                                     unsupervised=unsupervised_spec())),
    'vot2017': dict(experiments=dict(baseline=supervised_spec(100, 356),
                                     unsupervised=unsupervised_spec())),
    'vot2018': dict(experiments=dict(baseline=supervised_spec(100, 356),
                                     unsupervised=unsupervised_spec())),
    'vot2019': dict(experiments=dict(baseline=supervised_spec(46, 291),
                                     unsupervised=unsupervised_spec())),
    'vot2020': dict(experiments=dict(baseline=multistart_spec(115, 755),
                                     unsupervised=unsupervised_spec(1))),
    'vot2021': dict(experiments=dict(baseline=multistart_spec(115, 755),
                                     unsupervised=unsupervised_spec(1))),
    'vot2022': dict(experiments=dict(baseline=multistart_spec(115, 755),
                                     unsupervised=unsupervised_spec(1))),
    # vot2020/longterm: its 'redetection' experiment (a transformer of the
    # sequences) is not supported
    'votlt2020': dict(experiments=dict(longterm=dict(
        type='unsupervised', repetitions=1,
        analyses=[dict(type='average_tpr', name='average_tpr'),
                  dict(type='pr_curve'), dict(type='f_curve')]))),
}


def load_official_stack(name: str) -> List[VOTExperiment]:
    """The experiments of one of :data:`OFFICIAL_STACKS`."""
    if name not in OFFICIAL_STACKS:
        raise ValueError(f'unknown VOT stack {name!r}; known: '
                         f'{sorted(OFFICIAL_STACKS)} (or give a stack file)')
    return parse_stack(OFFICIAL_STACKS[name], name)


def trajectories_equal(first: Regions, second: Regions,
                       overlap_threshold: float = 0.99999) -> bool:
    """The toolkit's ``Trajectory.equals``: same length and, per frame,
    unbounded overlap ``>= overlap_threshold`` or both regions special
    (any codes). Decides the early stop after 3 equal runs."""
    if len(first) != len(second):
        return False
    overlaps = region_overlaps(first, second, None)
    both = first.is_special() & second.is_special()
    return bool(np.all((overlaps >= overlap_threshold) | both))
