"""Shared pytest setup: markers, parallel workers and shared fixtures."""
import os
import os.path as osp
import tempfile

import parity_fixtures
import pytest

from stark_plugin.benchmarking.load import cpu_count
from stark_plugin.testing.scripts import import_script

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
DATA_DIR = osp.join(REPO_ROOT, 'tests', 'data')


def _share_cores_between_workers() -> None:
    """Under pytest-xdist, each worker (and every tool it starts) gets its
    share of the cores: N workers with all cores each would oversubscribe
    the CPU and slow every test down."""
    workers = int(os.environ.get('PYTEST_XDIST_WORKER_COUNT', '1'))
    if workers <= 1:
        return
    threads = str(max(1, cpu_count() // workers))
    for key in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS',
                'OPENBLAS_NUM_THREADS'):
        os.environ[key] = threads
    import torch
    torch.set_num_threads(int(threads))


_share_cores_between_workers()


def pytest_configure(config):
    config.addinivalue_line(
        'markers', 'slow(seconds=N): takes more than ~10 s on 2 CPU cores '
        '(CI runs it); seconds: about how long its module takes in the '
        'suite, so that the longest modules start first')


def pytest_xdist_auto_num_workers(config) -> int:
    """``-n auto``: one worker per core, at most 4 (each worker holds its
    own models and fixtures in memory)."""
    return max(1, min(4, cpu_count()))


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Modules with slow tests run first, the longest first by the
    ``seconds`` of their ``slow`` marks (a long test started last keeps
    one worker busy while the others idle; ``--no-loadscope-reorder`` in
    setup.cfg keeps this order, which pytest-xdist would otherwise replace
    by the number of tests per module). The tests of one module
    run on one pytest-xdist worker (``--dist loadfile`` in setup.cfg), so
    an expensive fixture that a module's tests share is computed once.
    (``--dist loadgroup`` with ``xdist_group`` marks does not group with
    pytest 9: pytest-xdist 3.8 renames the items through an attribute
    pytest no longer reads.)"""
    def module(item) -> str:
        return getattr(getattr(item, 'module', None), '__name__', '')

    def seconds(item) -> float:
        mark = item.get_closest_marker('slow')
        return -1.0 if mark is None else float(mark.kwargs.get('seconds', 0))

    cost: dict = {}
    for item in items:
        cost[module(item)] = max(cost.get(module(item), -1.0), seconds(item))
    items.sort(key=lambda item: -cost[module(item)])  # stable otherwise


@pytest.fixture(scope='session')
def repo_root() -> str:
    return REPO_ROOT


@pytest.fixture(scope='session')
def data_dir() -> str:
    return DATA_DIR


@pytest.fixture(scope='session')
def parity():
    """Cached materialised official weights, checkpoints and models; their
    temp folder (~0.4 GB of checkpoints) is removed after the session."""
    with tempfile.TemporaryDirectory(prefix='stark_parity_') as tmp:
        yield parity_fixtures.ParityAssets(tmp)


@pytest.fixture
def recorded_crops(monkeypatch):
    """Every crop the tracker takes in this test, as ``(factor, crop
    sha256, mask sha256)`` (``sample_target`` of the tracker, recorded)."""
    import hashlib

    import numpy as np

    from stark_plugin.models.trackers import stark_tracker

    def sha(arr) -> str:
        return hashlib.sha256(np.ascontiguousarray(arr).tobytes()).hexdigest()

    crops = []
    original = stark_tracker.sample_target

    def recording_sample_target(image, box, factor, size):
        out = original(image, box, factor, size)
        crops.append((factor, sha(out[0]), sha(out[2])))
        return out

    monkeypatch.setattr(stark_tracker, 'sample_target',
                        recording_sample_target)
    return crops


@pytest.fixture(scope='session')
def two_video_got10k(tmp_path_factory) -> str:
    """Two generated 24-frame training videos (GOT-10k layout, 160 x 120),
    enough for one training step."""
    from stark_plugin.datasets.synthetic import make_synthetic_got10k
    root = str(tmp_path_factory.mktemp('synth_two_videos'))
    make_synthetic_got10k(root, num_videos=2, num_frames=24, seed=3,
                          num_val_videos=0, size=(160, 120))
    return root


@pytest.fixture(scope='session')
def demo_main():
    """``demo_sot.main`` imported from the repository root."""
    module = import_script(osp.join(REPO_ROOT, 'demo_sot.py'))
    return module.main
