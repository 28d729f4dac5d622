"""tools/test.py and tools/train.py leave no process group behind, also
when the run fails: a gloo group whose threads are left to the
interpreter's shutdown can abort a finished process (SIGABRT) and fail
the whole torchrun job. One gloo process (world size 1) in this process,
as torchrun would set it up."""
import os
import os.path as osp

import pytest
import torch
import torch.distributed as torch_dist

from stark_plugin.apis import init_model
from stark_plugin.datasets.synthetic import make_synthetic_got10k
from stark_plugin.errors import CheckpointMismatchError
from stark_plugin.testing.scripts import import_script

from .dist_run import REPO, free_port

CONFIGS = osp.join(REPO, 'tests', 'data', 'configs')


def _tool(name: str):
    return import_script(osp.join(REPO, 'tools', f'{name}.py'))


def _gloo_threads() -> int:
    """Native threads of this process that gloo started."""
    count = 0
    for task in os.listdir('/proc/self/task'):
        try:
            with open(f'/proc/self/task/{task}/comm') as f:
                count += 'gloo' in f.read()
        except OSError:  # the thread ended meanwhile
            pass
    return count


@pytest.fixture
def one_rank(monkeypatch):
    """The environment torchrun gives a rank of a 1-process job; after the
    test, no group is open and gloo's threads are gone."""
    if not osp.isdir('/proc/self/task'):
        pytest.skip('lists threads through /proc')
    for key, value in dict(RANK='0', LOCAL_RANK='0', WORLD_SIZE='1',
                           MASTER_ADDR='127.0.0.1',
                           MASTER_PORT=str(free_port())).items():
        monkeypatch.setenv(key, value)
    before = _gloo_threads()
    yield
    group_open = torch_dist.is_initialized()
    if group_open:  # only when a tool failed to close it
        torch_dist.destroy_process_group()
    assert not group_open
    assert _gloo_threads() == before


@pytest.fixture
def val_data(tmp_path):
    config = osp.join(CONFIGS, 'stark_st_tiny_got10k_val.py')
    data = str(tmp_path / 'data')
    make_synthetic_got10k(data, num_videos=1, num_frames=6, seed=2,
                          num_val_videos=1, size=(128, 96))
    torch.manual_seed(0)
    ckpt = str(tmp_path / 'tiny.pth')
    torch.save(dict(state_dict=init_model(config).state_dict()), ckpt)
    return config, data, ckpt


def test_test_tool_closes_the_group(one_rank, val_data, tmp_path):
    config, data, ckpt = val_data
    _tool('test').main([config, ckpt, '--launcher', 'pytorch',
                        '--work-dir', str(tmp_path / 'work'), '--cfg-options',
                        f'test_dataloader.dataset.data_root={data}'])
    assert osp.isdir(str(tmp_path / 'work' / 'results'))


def test_test_tool_closes_the_group_on_error(one_rank, val_data, tmp_path):
    config, data, _ = val_data
    wrong = str(tmp_path / 'wrong.pth')  # a checkpoint of another model
    torch.save(dict(state_dict={'head.weight': torch.zeros(3)}), wrong)
    with pytest.raises(CheckpointMismatchError, match='wrong.pth'):
        _tool('test').main([
            config, wrong, '--launcher', 'pytorch',
            '--work-dir', str(tmp_path / 'work'), '--cfg-options',
            f'test_dataloader.dataset.data_root={data}'])


def test_train_tool_closes_the_group_on_error(one_rank, tmp_path):
    config = osp.join(REPO, 'configs', 'sot', 'stark',
                      'stark_st1_tiny_synth.py')
    with pytest.raises(FileNotFoundError, match='missing'):
        _tool('train').main([
            config, '--launcher', 'pytorch',
            '--work-dir', str(tmp_path / 'work'), '--cfg-options',
            f'train_dataloader.dataset.data_root={tmp_path / "missing"}'])


def test_group_closed_when_the_runner_cannot_be_built(one_rank, val_data,
                                                      tmp_path):
    config, data, ckpt = val_data
    with pytest.raises(KeyError, match='NoSuchTracker'):
        _tool('test').main([
            config, ckpt, '--launcher', 'pytorch',
            '--work-dir', str(tmp_path / 'work'), '--cfg-options',
            f'test_dataloader.dataset.data_root={data}',
            'model.type=NoSuchTracker'])
