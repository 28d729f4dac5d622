"""STARK network modules (registered in scope ``stark_plugin``)."""
from .data_preprocessors import *  # noqa: F401,F403
from .heads import *  # noqa: F401,F403
from .layers import *  # noqa: F401,F403
from .trackers import *  # noqa: F401,F403
