"""stark_plugin: the STARK visual object tracker on OpenMMLab 2.0."""
from .version import __version__

__all__ = ['__version__']
