"""Fixtures of these tests: the tiny STARK-ST with random weights and
BatchNorm statistics (tests/tiny_models.py)."""
import pytest
from tiny_models import build_tiny_random_norms


@pytest.fixture(scope='module')
def tiny():
    return build_tiny_random_norms()
