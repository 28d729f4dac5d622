"""Plain-text tables of metric values, the protocol next to every number."""
import math
from typing import Dict, Mapping, Optional, Sequence

__all__ = ['format_value', 'format_metric_table', 'scalar_metrics']


def format_value(value: object, protocol: str, decimals: int = 2) -> str:
    """``'90.11 [pytracking]'``; non-numbers are printed as they are."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f'{value} [{protocol}]'
    if isinstance(value, float) and math.isnan(value):
        return f'NaN [{protocol}]'
    return f'{value:.{decimals}f} [{protocol}]'


def scalar_metrics(metrics: Mapping[str, object]) -> Dict[str, float]:
    """Only the numeric entries (drops lists, errors, per_sequence)."""
    return {
        k: v
        for k, v in metrics.items()
        if isinstance(v, (int, float)) and not isinstance(v, bool)
    }


def format_metric_table(rows: Mapping[str, Mapping[str, object]],
                        protocol: str,
                        keys: Optional[Sequence[str]] = None,
                        title: str = 'tracker', decimals: int = 2) -> str:
    """A ``row x metric`` table; every cell carries the protocol name;
    numbers with ``decimals`` digits after the point."""
    if keys is None:
        keys = []
        for metrics in rows.values():
            keys += [k for k in scalar_metrics(metrics) if k not in keys]
    header = [title] + list(keys)
    body = []
    for name, metrics in rows.items():
        if 'error' in metrics and not scalar_metrics(metrics):
            body.append([name] + [f'error: {metrics["error"]} [{protocol}]'] +
                        [''] * (len(keys) - 1))
            continue
        body.append([name] + [
            format_value(metrics[k], protocol, decimals) if k in metrics
            else '-'
            for k in keys
        ])
    widths = [max(len(r[i]) for r in [header] + body)
              for i in range(len(header))]

    def line(cells):
        return '| ' + ' | '.join(c.ljust(w) for c, w in zip(cells, widths)) \
            + ' |'

    sep = '+-' + '-+-'.join('-' * w for w in widths) + '-+'
    return '\n'.join([sep, line(header), sep] + [line(r) for r in body] +
                     [sep])
