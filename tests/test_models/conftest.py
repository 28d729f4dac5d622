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


@pytest.fixture(scope='session')
def tiny_model():
    """The tiny STARK-ST of tests/data/configs (random weights, eval)."""
    return build_tiny()


@pytest.fixture(scope='session')
def tiny_model_factory():
    """Build a fresh tiny model with config overrides."""
    return build_tiny


def build_tiny(**cfg_options):
    from stark_plugin.apis import init_model
    path = osp.join(
        osp.dirname(osp.dirname(osp.abspath(__file__))), 'data', 'configs',
        'stark_st_tiny.py')
    import torch
    torch.manual_seed(0)
    model = init_model(path, cfg_options=cfg_options or None)
    model.init_weights()
    return model.eval()
