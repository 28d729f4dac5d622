"""``VOTMetric``: the analyses of one VOT experiment over tracked videos."""
from typing import Any, Dict, List, Optional, Sequence, Union

from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from stark_plugin.errors import InputError
from stark_plugin.registry import METRICS
from ..functional.vot import (Regions, VOTSequence, evaluate_experiment,
                              resolve_eao_interval)
from ..functional.vot.supervised import VARIANTS
from ..report import format_metric_table, scalar_metrics
from ..vot import (default_experiment, load_experiments, protocol_of,
                   select_experiment)

__all__ = ['VOTMetric']


@METRICS.register_module()
class VOTMetric(BaseMetric):
    """VOT experiment analyses (vot-toolkit 0.9.0 numbers by default).

    The experiment defines both the tracking (``VOTTestLoop`` reads it
    from here) and the analyses.

    Args:
        stack: official stack name (``vot2018``, ``vot2019``, ``vot2020``,
            ``votlt2020``, ...), a ``stack.yaml`` path or a dict; None:
            the default experiment of ``protocol``.
        experiment: experiment name in the stack (default: the first of
            ``protocol``, else the stack's first).
        protocol: ``vot-supervised``, ``vot-multistart``,
            ``vot-unsupervised`` or ``vot-longterm``; checked against the
            experiment.
        eao_interval: None (the stack's, i.e. the challenge's official
            interval), ``'auto'`` (estimated from these sequences' lengths)
            or ``(low, high)``.
        variant: supervised only: ``'vot-toolkit'`` (default) or
            ``'mmtracking'`` (mmtracking 0.x numbers, see
            ``evaluate_supervised``).
        collect_device, prefix: see :class:`mmengine.evaluator.BaseMetric`.
    """
    default_prefix = 'vot'

    def __init__(self, stack: Optional[Union[str, dict]] = None,
                 experiment: Optional[str] = None,
                 protocol: Optional[str] = None,
                 eao_interval: Union[None, str, Sequence[int]] = None,
                 variant: str = 'vot-toolkit',
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if stack is None:
            if protocol is None:
                raise InputError('VOTMetric needs a stack or a protocol')
            self.experiment = default_experiment(protocol)
            if eao_interval is None and self.experiment.kind != \
                    'unsupervised':
                eao_interval = 'auto'
        else:
            self.experiment = select_experiment(load_experiments(stack),
                                                experiment, protocol)
        if variant not in VARIANTS:
            raise InputError(f'variant must be one of {VARIANTS}, got '
                             f'{variant!r}')
        if variant != 'vot-toolkit' and self.experiment.kind != 'supervised':
            raise InputError(f'variant {variant!r} exists for the supervised '
                             'experiment only')
        if isinstance(eao_interval, (list, tuple)):
            eao_interval = tuple(int(v) for v in eao_interval)
        self.eao_interval = eao_interval
        self.variant = variant
        self.protocol = protocol_of(self.experiment)
        self.stack = stack

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """One dict per video from ``VOTTestLoop``: ``video_name``,
        ``video_index``, ``groundtruth`` (regions), ``image_size`` ``(W,
        H)``, ``anchors``, ``runs`` (list, or ``{anchor: regions}``) and
        ``values`` (``confidence`` per run, for VOT-LT)."""
        for sample in data_samples:
            missing = {'video_name', 'groundtruth', 'image_size', 'runs'} - \
                set(sample)
            if missing:
                raise KeyError(f'VOTMetric.process: missing {sorted(missing)}'
                               f' in the entry of {sample.get("video_name")}')
            self.results.append(dict(sample))

    @staticmethod
    def _sequences(results: List[dict]) -> List[dict]:
        by_name: Dict[str, dict] = {}
        for r in results:
            by_name.setdefault(r['video_name'], r)
        return sorted(by_name.values(),
                      key=lambda r: (r.get('video_index', 0),
                                     r['video_name']))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """The experiment's scalar results (EAO, A, R, AO, Pr/Re/F)."""
        results = self._sequences(results)
        sequences = [VOTSequence(r['video_name'],
                                 Regions.from_list(r['groundtruth']),
                                 r['image_size'][0], r['image_size'][1],
                                 r.get('anchors')) for r in results]
        interval = None
        if self.experiment.kind != 'unsupervised':
            interval = resolve_eao_interval(self.experiment, sequences,
                                            self.eao_interval)
        outcome = evaluate_experiment(
            self.experiment, sequences,
            {r['video_name']: r for r in results}, interval, self.variant)
        metrics = scalar_metrics(outcome)
        name = f'{self.protocol}/{self.experiment.name}'
        if interval is not None:
            name += f', EAO interval [{interval[0]}, {interval[1]}]'
        table = format_metric_table({self.experiment.name: metrics},
                                    self.protocol, title='experiment',
                                    decimals=3)
        print_log(f'VOT metrics ({len(results)} sequences, {name}, '
                  f'{self.variant}):\n{table}', 'current')
        return {k: float(v) for k, v in metrics.items()}
