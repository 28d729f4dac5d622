"""kill -9 in the middle of an epoch, then ``tools/train.py --resume``: the
final checkpoint equals the uninterrupted run's bit for bit (weights,
optimizer state, scheduler state), for stage 1 and for stage 2 started
from stage-1 weights."""
import os
import os.path as osp
import signal

import pytest
import torch
from stark_plugin.testing.tool_process import run_tool

from stark_plugin.datasets.synthetic import make_synthetic_got10k
from stark_plugin.checkpoint.safe_load import load_checkpoint_file

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOY_DIR = osp.join(REPO, 'tests', 'data', 'toy')
CONFIGS = osp.join(REPO, 'tests', 'data', 'configs')
EPOCHS = 3
ITERS_PER_EPOCH = 2  # 16 samples, batch 8


def _options(data_root, *extra):
    return ['--cfg-options', f'train_dataloader.dataset.data_root={data_root}',
            'train_dataloader.sampler.samples_per_epoch=16',
            'train_dataloader.batch_size=8',
            'train_dataloader.num_workers=1',
            f'train_cfg.max_epochs={EPOCHS}',
            'default_hooks.checkpoint.interval=1',
            'default_hooks.checkpoint.max_keep_ckpts=-1',
            'default_hooks.logger.interval=1', 'randomness.seed=3',
            'randomness.deterministic=True', *extra]


def _train(config, work_dir, data_root, *extra, kill_at=None,
           resume=False):
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(
        [TOY_DIR, REPO, env.get('PYTHONPATH', '')])
    env.pop('STARK_TEST_KILL_AT_ITER', None)
    if kill_at is not None:
        env['STARK_TEST_KILL_AT_ITER'] = str(kill_at)
    cmd = [osp.join(REPO, 'tools', 'train.py'),
           osp.join(CONFIGS, config), '--work-dir', str(work_dir)]
    if resume:
        cmd.append('--resume')
    cmd += _options(data_root, *extra)
    proc = run_tool(cmd, env=env, timeout=600)
    return proc


def _assert_same_state(a_path, b_path):
    a, b = load_checkpoint_file(a_path), load_checkpoint_file(b_path)
    assert a['meta']['epoch'] == b['meta']['epoch'] == EPOCHS
    for key in a['state_dict']:
        assert torch.equal(a['state_dict'][key], b['state_dict'][key]), key
    _assert_nested_equal(a['optimizer'], b['optimizer'], 'optimizer')
    _assert_nested_equal(a['param_schedulers'], b['param_schedulers'],
                         'param_schedulers')


def _assert_nested_equal(a, b, where):
    if isinstance(a, torch.Tensor):
        assert torch.equal(a, b), where
    elif isinstance(a, dict):
        assert set(a) == set(b), where
        for k in a:
            _assert_nested_equal(a[k], b[k], f'{where}.{k}')
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            _assert_nested_equal(x, y, f'{where}[{i}]')
    else:
        assert a == b, where


def _kill_and_resume(config, work_dir, data_root, *extra):
    # epoch 2's checkpoint exists, then the run dies in epoch 3
    kill_at = 2 * ITERS_PER_EPOCH + 1
    proc = _train(config, work_dir, data_root, *extra, kill_at=kill_at)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    assert osp.isfile(work_dir / 'epoch_2.pth')
    assert not osp.exists(work_dir / f'epoch_{EPOCHS}.pth')
    proc = _train(config, work_dir, data_root, *extra, resume=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert 'resumed epoch: 2' in proc.stdout + proc.stderr


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('synth_resume'))
    make_synthetic_got10k(root, num_videos=6, num_frames=24, seed=5,
                          num_val_videos=0, size=(160, 120))
    return root


@pytest.mark.slow(seconds=35)
def test_kill_and_resume_reproduce_both_stages(tmp_path, data_root):
    st1 = 'stark_st1_tiny_synth_killable.py'
    whole = tmp_path / 'st1_whole'
    proc = _train(st1, whole, data_root)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    killed = tmp_path / 'st1_killed'
    _kill_and_resume(st1, killed, data_root)
    _assert_same_state(str(whole / f'epoch_{EPOCHS}.pth'),
                       str(killed / f'epoch_{EPOCHS}.pth'))

    st2 = 'stark_st2_tiny_synth_killable.py'
    load = f'load_from={whole / f"epoch_{EPOCHS}.pth"}'
    whole2 = tmp_path / 'st2_whole'
    proc = _train(st2, whole2, data_root, load)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    killed2 = tmp_path / 'st2_killed'
    _kill_and_resume(st2, killed2, data_root, load)
    _assert_same_state(str(whole2 / f'epoch_{EPOCHS}.pth'),
                       str(killed2 / f'epoch_{EPOCHS}.pth'))
