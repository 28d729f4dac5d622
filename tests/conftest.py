"""Shared pytest setup: markers and the stark_plugin default scope."""
import importlib.util
import os.path as osp
import tempfile

import parity_fixtures
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
    spec = importlib.util.spec_from_file_location(
        'demo_sot', osp.join(REPO_ROOT, 'demo_sot.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main
