"""Fixtures of the model tests (the parity fixture is in tests/conftest.py)."""
import pytest
from tiny_models import build_tiny as _build_tiny
from tiny_models import build_tiny_random_norms


@pytest.fixture(scope='session')
def tiny_model():
    """The tiny STARK-ST of tests/data/configs (random weights, eval)."""
    return build_tiny()


@pytest.fixture(scope='session')
def tiny_model_factory():
    """Build a fresh tiny model with config overrides."""
    return build_tiny


def build_tiny(**cfg_options):
    """The tiny model with ``cfg_options`` given as keywords."""
    return _build_tiny(cfg_options or None)


@pytest.fixture(scope='module')
def tiny():
    """The tiny model with random BatchNorm statistics (folding them into
    the convolutions is then tested)."""
    return build_tiny_random_norms()


@pytest.fixture(scope='module')
def tiny_updating():
    """:func:`tiny` with dynamic templates replaced every 3rd frame
    (threshold below any score), so template updates happen within a short
    sequence."""
    return build_tiny_random_norms({
        'model.test_cfg.update_intervals': [3],
        'model.test_cfg.update_score_thr': -1.0})
