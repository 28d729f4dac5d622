"""tools/train.py: a kill -9 while a checkpoint is written loses nothing
that --resume needs; a truncated or corrupt checkpoint fails with one
clear line and exit code 1."""
import os
import os.path as osp
import signal

import pytest
import torch
from test_train_resume import (CONFIG, REPO, _logged_epochs, _train,
                               run_train)

from stark_plugin.datasets.synthetic import make_synthetic_got10k
from stark_plugin.checkpoint.safe_load import load_checkpoint_file

TINY_STARK = osp.join(REPO, 'configs', 'sot', 'stark',
                      'stark_st1_tiny_synth.py')


def _run(config, work_dir, *extra, **env_extra):
    """tools/train.py on one torch thread, without asserting success."""
    return run_train(config, work_dir, *extra, OMP_NUM_THREADS='1',
                     **env_extra)


def _assert_clear_error(proc, *expected):
    """Exit code 1, one ``error: ...`` line naming what is wrong, no
    traceback."""
    out = proc.stdout[-3000:] + proc.stderr[-3000:]
    assert proc.returncode == 1, out
    assert 'Traceback' not in proc.stderr, out
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith('error: '), out
    for text in expected:
        assert text in last, last


def _flip_bytes_in_the_middle(path):
    with open(path, 'rb') as f:
        data = bytearray(f.read())
    middle = len(data) // 2
    for i in range(middle, middle + 16):
        data[i] ^= 0xFF
    with open(path, 'wb') as f:
        f.write(bytes(data))


def test_kill_during_checkpoint_write_then_resume(tmp_path):
    work = tmp_path / 'work'
    # the toy config, plus the helper that kills the process (SIGKILL)
    # half way through writing a checkpoint
    config = tmp_path / 'toy_kill_config.py'
    config.write_text(
        f'_base_ = [{CONFIG!r}]\n'
        "custom_imports = dict(imports=['toy_modules', 'kill_on_save'])\n")
    # epoch 1 is saved, the write of epoch 2 is killed; max_keep_ckpts=1:
    # CheckpointHook would delete epoch_1.pth before writing epoch_2.pth
    proc = _run(str(config), work, '--cfg-options',
                'default_hooks.checkpoint.max_keep_ckpts=1',
                STARK_TEST_KILL_ON_SAVE='epoch_2.pth')
    assert proc.returncode == -signal.SIGKILL, \
        proc.stdout[-2000:] + proc.stderr[-2000:]
    epoch1 = str(work / 'epoch_1.pth')
    assert not osp.exists(work / 'epoch_2.pth')
    with open(work / 'last_checkpoint') as f:
        assert f.read() == epoch1
    assert load_checkpoint_file(epoch1)['meta']['epoch'] == 1
    leftovers = [n for n in os.listdir(work) if n.startswith('.tmp_')]
    assert len(leftovers) == 1 and leftovers[0].endswith('.part')

    # auto-resume continues from epoch 1 and removes the leftover
    proc = _train(work, '--resume', '--cfg-options',
                  'default_hooks.checkpoint.max_keep_ckpts=1')
    assert 'resumed epoch: 1' in proc.stdout + proc.stderr
    assert _logged_epochs(work) == {2}
    assert not [n for n in os.listdir(work) if n.startswith('.tmp_')]
    assert not osp.exists(epoch1)  # max_keep_ckpts=1, after epoch 2
    with open(work / 'last_checkpoint') as f:
        assert f.read() == str(work / 'epoch_2.pth')
    assert load_checkpoint_file(str(work / 'epoch_2.pth'))['meta'][
        'epoch'] == 2


def test_resume_truncated_checkpoint_tiny_stark(tmp_path):
    data = str(tmp_path / 'data')
    make_synthetic_got10k(data, num_videos=2, num_frames=8, seed=1,
                          num_val_videos=1, size=(96, 72))
    ckpt = str(tmp_path / 'epoch_3.pth')
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.ReLU())
    torch.save(dict(meta=dict(epoch=3, iter=30),
                    state_dict=model.state_dict()), ckpt)
    with open(ckpt, 'rb') as f:
        head = f.read()[:-200]
    with open(ckpt, 'wb') as f:
        f.write(head)
    proc = _run(TINY_STARK, tmp_path / 'work', '--resume', ckpt,
                '--cfg-options',
                f'train_dataloader.dataset.data_root={data}',
                f'test_dataloader.dataset.data_root={data}',
                'train_dataloader.num_workers=0',
                'train_dataloader.persistent_workers=False',
                'train_dataloader.sampler.samples_per_epoch=8')
    _assert_clear_error(proc, f'checkpoint {ckpt} is truncated or corrupt')


@pytest.mark.parametrize('how', ['auto-resume', 'load_from'])
def test_corrupt_checkpoint(tmp_path, how):
    """Same size, damaged bytes in the middle: resumed through
    last_checkpoint, or given as load_from."""
    work = tmp_path / 'work'
    os.makedirs(work)
    ckpt = str(work / 'epoch_1.pth')
    torch.save(dict(meta=dict(epoch=1, iter=8),
                    state_dict={'linear.weight': torch.randn(1, 2),
                                'linear.bias': torch.zeros(1)}), ckpt)
    _flip_bytes_in_the_middle(ckpt)
    if how == 'auto-resume':
        with open(work / 'last_checkpoint', 'w') as f:
            f.write(ckpt)
        proc = _run(CONFIG, work, '--resume')
    else:
        proc = _run(CONFIG, work, '--cfg-options', f'load_from={ckpt}')
    _assert_clear_error(proc, f'checkpoint {ckpt} is truncated or corrupt')
    assert not osp.exists(work / 'epoch_2.pth')  # it did not train


def test_last_checkpoint_names_missing_file(tmp_path):
    work = tmp_path / 'work'
    os.makedirs(work)
    missing = str(work / 'epoch_7.pth')
    with open(work / 'last_checkpoint', 'w') as f:
        f.write(missing)
    proc = _run(CONFIG, work, '--resume')
    _assert_clear_error(proc, str(work / 'last_checkpoint'), missing)
