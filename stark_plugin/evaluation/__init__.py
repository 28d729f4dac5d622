"""Evaluation: toolkit-exact SOT metrics, readers, submissions, SOTMetric."""
from .benchmarks import (DATASETS, DEFAULT_SPLITS, SequenceAnnotation,
                         load_benchmark)
from .evaluate import (evaluate_results_dir, evaluate_tracker,
                       make_sequence_inputs)
from .functional import (DEFAULT_PROTOCOLS, PROTOCOLS, ProtocolResult,
                         SequenceInput, build_protocol)
from .metrics import SOTMetric
from .submission import (write_got10k_submission, write_submission,
                         write_trackingnet_submission)

__all__ = [
    'DATASETS', 'DEFAULT_SPLITS', 'SequenceAnnotation', 'load_benchmark',
    'evaluate_results_dir',
    'evaluate_tracker', 'make_sequence_inputs', 'DEFAULT_PROTOCOLS',
    'PROTOCOLS', 'ProtocolResult', 'SequenceInput', 'build_protocol',
    'SOTMetric', 'write_got10k_submission', 'write_submission',
    'write_trackingnet_submission'
]
