"""VOT-protocol metrics exactly as vot-toolkit 0.9.0's ``vot analysis``.

Numpy only. Inputs are :class:`Regions` (per-frame ground truth or tracker
output) and :class:`VOTSequence`; ``stark_plugin.fileio.vot`` reads the VOT
folders and result files whose regions :meth:`Regions.from_list` takes.

* :func:`evaluate_supervised`: reset-based VOT2013-2019 (AR, failures, EAO),
  ``variant='mmtracking'`` for mmtracking 0.x's numbers.
* :func:`evaluate_multistart`: anchor-based VOT2020-2022 (AR, EAO).
* :func:`evaluate_unsupervised`: one-pass average overlap.
* :func:`eao_interval`: the EAO interval of a set of sequence lengths.
* :func:`region_overlaps`: the toolkit's rasterised overlap.
* :func:`evaluate_longterm`: VOT-LT precision / recall / F-score.
* :class:`VOTExperiment`, :func:`parse_stack`, :data:`OFFICIAL_STACKS`:
  experiments and analyses of a toolkit stack; :func:`evaluate_experiment`
  runs all analyses of one.
"""
from .evaluate import (accuracy_key, evaluate_experiment,
                       resolve_eao_interval, scalar_keys)
from .experiments import (KINDS, OFFICIAL_STACKS, VOTExperiment,
                          load_official_stack, parse_stack,
                          trajectories_equal)
from .interval import EAOInterval, eao_interval, silverman_bandwidth
from .longterm import (determine_thresholds, evaluate_longterm,
                       precision_recall_curve)
from .multistart import (anchor_runs, eao_partial, evaluate_multistart,
                         failure_progress, multistart_lengths)
from .raster import rasterize, region_bounds, region_overlaps
from .regions import (FAILURE, INITIALIZATION, MASK, POLYGON, RECTANGLE,
                      SPECIAL, UNKNOWN, Mask, Polygon, Regions)
from .sequence import VOTSequence
from .supervised import (count_failures, eao_fragments, eao_score,
                         evaluate_supervised, supervised_accuracy,
                         supervised_eao_curve)
from .unsupervised import evaluate_unsupervised, kept_overlaps

__all__ = [
    'accuracy_key', 'evaluate_experiment', 'resolve_eao_interval',
    'scalar_keys', 'KINDS', 'OFFICIAL_STACKS', 'VOTExperiment',
    'load_official_stack', 'parse_stack', 'trajectories_equal',
    'determine_thresholds', 'evaluate_longterm', 'precision_recall_curve',
    'EAOInterval', 'eao_interval', 'silverman_bandwidth', 'anchor_runs',
    'eao_partial', 'evaluate_multistart', 'failure_progress',
    'multistart_lengths', 'rasterize', 'region_bounds', 'region_overlaps',
    'FAILURE', 'INITIALIZATION', 'MASK', 'POLYGON', 'RECTANGLE', 'SPECIAL',
    'UNKNOWN', 'Mask', 'Polygon', 'Regions', 'VOTSequence', 'count_failures',
    'eao_fragments', 'eao_score', 'evaluate_supervised',
    'supervised_accuracy', 'supervised_eao_curve', 'evaluate_unsupervised',
    'kept_overlaps'
]
