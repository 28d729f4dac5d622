"""STARK network modules (registered in scope ``stark_plugin``)."""
from .backbones import *  # noqa: F401,F403
from .data_preprocessors import *  # noqa: F401,F403
from .heads import *  # noqa: F401,F403
from .layers import *  # noqa: F401,F403
from .trackers import *  # noqa: F401,F403
from .fast_inference import (fold_conv_bn, fuse_conv_bn,  # noqa: F401
                             prepare_for_inference)
