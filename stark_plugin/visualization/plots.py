"""Success and precision plots as papers show them (matplotlib, Agg)."""
import os
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

__all__ = ['plot_curves', 'plot_success_precision']

Curve = Tuple[np.ndarray, np.ndarray]

_STYLE = {
    'success': ('Overlap threshold', 'Success rate [%]', 'Success plot'),
    'precision': ('Location error threshold [pixels]', 'Precision [%]',
                  'Precision plot'),
    'norm_precision': ('Normalized location error threshold',
                       'Normalized precision [%]',
                       'Normalized precision plot'),
}


def _pyplot():
    import matplotlib
    matplotlib.use('Agg', force=True)
    import matplotlib.pyplot as plt
    return plt


def plot_curves(curves: Mapping[str, Curve],
                scores: Mapping[str, float],
                out_file: str,
                kind: str = 'success',
                title: Optional[str] = None,
                score_name: str = 'AUC') -> str:
    """One curve per tracker, best first, ``name [score]`` in the legend.

    Args:
        curves: tracker -> ``(x, y)`` with ``y`` in percent.
        scores: tracker -> the number shown in the legend (percent).
        out_file: PNG path (folders are created).
        kind: ``success``, ``precision`` or ``norm_precision`` (axis labels).
    """
    plt = _pyplot()
    xlabel, ylabel, default_title = _STYLE.get(kind, ('x', 'y', kind))
    order: List[str] = sorted(curves, key=lambda k: -float(scores.get(k, 0)))
    fig, ax = plt.subplots(figsize=(6, 5), dpi=100)
    try:
        for name in order:
            x, y = curves[name]
            ax.plot(np.asarray(x), np.asarray(y), linewidth=2,
                    label=f'{name} [{score_name} {scores.get(name, 0):.1f}]')
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_title(title or default_title)
        x_all = np.concatenate([np.asarray(curves[n][0]) for n in order])
        ax.set_xlim(float(x_all.min()), float(x_all.max()))
        ax.set_ylim(0, 100)
        ax.grid(True, linestyle='-.')
        ax.legend(loc='lower left' if kind == 'success' else 'lower right',
                  fontsize=9)
        fig.tight_layout()
        os.makedirs(os.path.dirname(os.path.abspath(out_file)), exist_ok=True)
        fig.savefig(out_file, format='png')
    finally:
        plt.close(fig)
    return out_file


def plot_success_precision(trackers: Mapping[str, Mapping[str, Curve]],
                           metrics: Mapping[str, Mapping[str, float]],
                           out_dir: str,
                           prefix: str = '',
                           title_suffix: str = '',
                           score_keys: Optional[Dict[str,
                                                     Sequence[str]]] = None
                           ) -> List[str]:
    """Write ``success.png`` / ``precision.png`` / ``norm_precision.png``.

    ``trackers``: tracker -> {kind: (x, y)}; ``metrics``: tracker -> metric
    dict. The legend number for each kind is the first metric found among
    ``score_keys[kind]`` (defaults cover every protocol: AUC, AO, P@20 ...).
    """
    score_keys = score_keys or {
        'success': ('success_auc', 'ao', 'success_trapz'),
        'precision': ('precision_20px', 'precision_trapz_0_50px'),
        'norm_precision': ('norm_precision_0.2',
                           'norm_precision_trapz_0_0.5'),
    }
    labels = {'success_auc': 'AUC', 'ao': 'AO', 'success_trapz': 'AUC',
              'precision_20px': 'P@20', 'precision_trapz_0_50px': 'P',
              'norm_precision_0.2': 'NP@0.2',
              'norm_precision_trapz_0_0.5': 'NP'}
    written = []
    for kind in ('success', 'precision', 'norm_precision'):
        curves = {t: c[kind] for t, c in trackers.items() if kind in c}
        if not curves:
            continue
        key = next((k for k in score_keys[kind]
                    if any(k in metrics.get(t, {}) for t in curves)), None)
        scores = {t: float(metrics.get(t, {}).get(key, 0) or 0)
                  for t in curves}
        out = os.path.join(out_dir, f'{prefix}{kind}.png')
        plot_curves(curves, scores, out, kind,
                    title=f'{_STYLE[kind][2]}{title_suffix}',
                    score_name=labels.get(key, ''))
        written.append(out)
    return written
