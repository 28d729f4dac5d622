"""stark_plugin: the STARK visual object tracker on OpenMMLab 2.0.

Importing the package only checks the pinned stack; tools and the API call
:func:`stark_plugin.setup_env.register_all_modules`, which registers the
modules and makes mmengine read checkpoints safely.
"""
from .dependencies import check_dependencies
from .version import __version__

check_dependencies()

__all__ = ['__version__']
