"""The speed tools' internals (``tools/analysis/benchmark.py``):
generated sequences, timing, the step's parts, drift against fp32, the
roofline view, the report tables and busy background processes."""
from .backends import backend_kwargs, benchmark_paths, export_graphs
from .benchmark import benchmark
from .drift import (closed_loop_control, drift_stats, drift_study,
                    format_drift_table, open_loop_drift)
from .environment import environment
from .load import background_load
from .parts import head_stages, step_parts
from .report import format_table, roofline_table
from .roofline import add_roofline, count_flops, peak_probe, step_flops
from .sequences import (SEQUENCES, basic_sequence, generated_sequence,
                        lissajous_sequence, rich_sequence)
from .timing import (PeakMemory, run_interleaved, run_paired, run_sequence,
                     summarize, sync, time_fn, time_init)

__all__ = [
    'backend_kwargs', 'benchmark_paths', 'export_graphs', 'benchmark',
    'closed_loop_control', 'drift_stats', 'drift_study',
    'format_drift_table', 'open_loop_drift', 'environment',
    'background_load', 'head_stages', 'step_parts', 'format_table',
    'roofline_table', 'add_roofline', 'count_flops', 'peak_probe',
    'step_flops', 'SEQUENCES', 'basic_sequence', 'generated_sequence',
    'lissajous_sequence', 'rich_sequence', 'PeakMemory', 'run_interleaved',
    'run_paired', 'run_sequence', 'summarize', 'sync', 'time_fn',
    'time_init'
]
