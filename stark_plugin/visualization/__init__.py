from .plots import plot_curves, plot_success_precision

__all__ = ['plot_curves', 'plot_success_precision']
