"""Folders of the source checkout that the proofs run: the shipped configs
and the user tools (``tools/train.py``, ``tools/test.py``)."""
import os.path as osp

from ..apis.model_zoo import PACKAGE_ROOT

#: the root of the source checkout the package lives in
SOURCE_ROOT = osp.dirname(PACKAGE_ROOT)
#: the shipped STARK configs
CONFIG_DIR = osp.join(SOURCE_ROOT, 'configs', 'sot', 'stark')
#: the user tools
TOOLS_DIR = osp.join(SOURCE_ROOT, 'tools')
