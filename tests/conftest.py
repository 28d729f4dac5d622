"""Shared pytest setup: markers and the stark_plugin default scope."""
import os.path as osp

import pytest

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
DATA_DIR = osp.join(REPO_ROOT, 'tests', 'data')


def pytest_configure(config):
    config.addinivalue_line(
        'markers', 'slow: takes more than ~10 s on 2 CPU cores (CI runs it)')


@pytest.fixture(scope='session')
def repo_root() -> str:
    return REPO_ROOT


@pytest.fixture(scope='session')
def data_dir() -> str:
    return DATA_DIR
