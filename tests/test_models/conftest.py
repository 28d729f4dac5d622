"""Fixtures of the model tests (parity assets shared via sys.modules)."""
import importlib.util
import os.path as osp
import sys

import pytest


def _parity_module():
    name = 'stark_parity_fixtures'
    if name not in sys.modules:
        path = osp.join(osp.dirname(osp.abspath(__file__)),
                        'parity_fixtures.py')
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(scope='session')
def parity():
    """Cached materialised weights, checkpoints and parity models."""
    return _parity_module().get_assets()
