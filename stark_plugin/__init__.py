"""stark_plugin: the STARK visual object tracker on OpenMMLab 2.0."""
from .utils.version_check import check_dependencies
from .version import __version__

check_dependencies()

from .utils.checkpoint import install_safe_checkpoint_loader  # noqa: E402

install_safe_checkpoint_loader()

__all__ = ['__version__']
