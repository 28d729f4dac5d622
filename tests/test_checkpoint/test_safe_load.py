import collections
import os

import numpy as np
import pytest
import torch
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner.checkpoint import _load_checkpoint, load_checkpoint

from stark_plugin.checkpoint.loading import install_checkpoint_loader
from stark_plugin.checkpoint.safe_load import TRUST_ENV, trust_checkpoint
from stark_plugin.errors import UnsafeCheckpointError


class NotAllowed:
    """Stands for any class a checkpoint might smuggle in."""

    def __init__(self, value=1):
        self.value = value


@pytest.fixture(autouse=True, scope='module')
def mmengine_reads_through_the_package():
    """What ``register_all_modules`` does for every tool."""
    install_checkpoint_loader()


def _runner_like_checkpoint():
    hub = dict(log_scalars={'train/loss': HistoryBuffer([1.0, 0.5], [1, 1])},
               runtime_info=dict(epoch=2, iter=16, seed=np.int64(3)))
    return dict(
        meta=dict(epoch=2, iter=16, seed=0, message_hub=hub,
                  dataset_meta=dict(classes=('target', )),
                  mean=np.array([0.485, 0.456, 0.406], dtype=np.float32)),
        state_dict=collections.OrderedDict(
            weight=torch.arange(4.0).reshape(2, 2)),
        optimizer=dict(state={}, param_groups=[dict(lr=0.1)]))


def test_runner_checkpoint_loads_with_weights_only(tmp_path):
    path = str(tmp_path / 'epoch_2.pth')
    torch.save(_runner_like_checkpoint(), path)
    ckpt = _load_checkpoint(path, map_location='cpu')
    assert ckpt['meta']['epoch'] == 2
    buffer = ckpt['meta']['message_hub']['log_scalars']['train/loss']
    assert isinstance(buffer, HistoryBuffer)
    assert buffer.current() == 0.5
    np.testing.assert_array_equal(
        ckpt['meta']['mean'], np.array([0.485, 0.456, 0.406], np.float32))
    assert ckpt['meta']['message_hub']['runtime_info']['seed'] == 3
    model = torch.nn.Linear(2, 2, bias=False)
    load_checkpoint(model, path, map_location='cpu', strict=True)
    assert torch.equal(model.weight.data, torch.arange(4.0).reshape(2, 2))


def test_disallowed_object_fails_with_clear_message(tmp_path, monkeypatch):
    monkeypatch.delenv(TRUST_ENV, raising=False)
    path = str(tmp_path / 'evil.pth')
    torch.save(dict(state_dict={}, extra=NotAllowed()), path)
    with pytest.raises(UnsafeCheckpointError) as info:
        _load_checkpoint(path, map_location='cpu')
    message = str(info.value)
    assert 'NotAllowed' in message
    assert path in message
    assert TRUST_ENV in message


def test_trusted_file_opt_in(tmp_path, monkeypatch):
    path = str(tmp_path / 'trusted.pth')
    torch.save(dict(state_dict={}, extra=NotAllowed(7)), path)
    monkeypatch.setenv(TRUST_ENV, str(tmp_path))
    assert _load_checkpoint(path, map_location='cpu')['extra'].value == 7
    monkeypatch.delenv(TRUST_ENV)
    with pytest.raises(UnsafeCheckpointError):
        _load_checkpoint(path, map_location='cpu')
    trust_checkpoint(path)
    assert _load_checkpoint(path, map_location='cpu')['extra'].value == 7


def test_missing_checkpoint_names_file(tmp_path):
    missing = str(tmp_path / 'nope.pth')
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        _load_checkpoint(missing)
    assert not os.path.exists(missing)
