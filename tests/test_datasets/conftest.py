"""Fixtures for the dataset tests: small generated data only."""
import pytest

from stark_plugin.datasets.synthetic import make_synthetic_got10k


@pytest.fixture(scope='session')
def synth_root(tmp_path_factory) -> str:
    """4 train + 2 val synthetic GOT-10k videos of 24 frames, 160x120."""
    root = str(tmp_path_factory.mktemp('synth'))
    make_synthetic_got10k(root, num_videos=4, num_frames=24, seed=3,
                          num_val_videos=2, size=(160, 120))
    return root
