"""Fixtures: generated video / frame folder, the tiny model, demo runner."""
from typing import Tuple

import cv2
import pytest
import torch

from .utils import TINY, make_frames, write_video


@pytest.fixture(scope='session')
def video(tmp_path_factory) -> str:
    """30 frames, 160x120, 25 fps, object at BOX0 in frame 0."""
    folder = tmp_path_factory.mktemp('video')
    return write_video(str(folder / 'moving.mp4'), make_frames()[0])


@pytest.fixture(scope='session')
def frame_folder(tmp_path_factory) -> str:
    """12 frames 1.jpg .. 12.jpg (lexicographic order would differ)."""
    folder = tmp_path_factory.mktemp('frames')
    for i, f in enumerate(make_frames(12)[0]):
        cv2.imwrite(str(folder / f'{i + 1}.jpg'), f)
    return str(folder)


@pytest.fixture(scope='module')
def one_thread():
    """Torch on one thread: the shared test cores are oversubscribed."""
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


@pytest.fixture(scope='module')
def tiny(one_thread):
    from stark_plugin.apis import init_model
    torch.manual_seed(0)
    return init_model(TINY)


@pytest.fixture
def run_demo(demo_main, capsys, monkeypatch, one_thread):
    """Run the demo in this process (headless); -> (code, stdout, stderr)."""
    monkeypatch.delenv('DISPLAY', raising=False)
    monkeypatch.delenv('WAYLAND_DISPLAY', raising=False)

    def run(*args: str) -> Tuple[int, str, str]:
        capsys.readouterr()
        weights = [] if '--checkpoint' in args else ['--random-weights']
        code = demo_main(['--config', TINY, *weights, *map(str, args)])
        out, err = capsys.readouterr()
        return code, out, err

    return run
