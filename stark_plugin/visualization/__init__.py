from .plots import plot_curves, plot_success_precision

__all__ = ['plot_curves', 'plot_success_precision']
from .draw import draw_tracks, draw_unreadable, target_color  # noqa: E402

__all__ += ['draw_tracks', 'draw_unreadable', 'target_color']
