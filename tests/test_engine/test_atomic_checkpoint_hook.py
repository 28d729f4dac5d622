"""AtomicCheckpointHook: a failed or killed write never leaves a broken
checkpoint or a last_checkpoint that names one; CheckpointHook's features
are unchanged."""
import glob
import io
import os
import os.path as osp
from typing import Optional
from unittest import mock

import pytest
import torch
from mmengine.config import Config
from mmengine.fileio import LocalBackend
from mmengine.hooks import CheckpointHook
from mmengine.logging import MessageHub

from stark_plugin.engine import AtomicCheckpointHook
from stark_plugin.registry import HOOKS
from stark_plugin.setup_env import register_all_modules
from stark_plugin.checkpoint.safe_load import load_checkpoint_file

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


class FakeRunner:
    """What CheckpointHook uses of a Runner; saves like mmengine does
    (torch.save to memory, then one LocalBackend.put)."""

    def __init__(self, work_dir: str) -> None:
        self.work_dir = work_dir
        self.epoch = 0
        self.iter = 0
        self.max_epochs = 10
        self.logger = mock.Mock()
        self.message_hub = MessageHub(f'atomic_hook_{id(self)}')
        #: a file name whose write fails half way (a full disk, a crash)
        self.fail_on: Optional[str] = None

    def save_checkpoint(self, out_dir, filename, file_client_args=None,
                        meta=None, **kwargs) -> None:
        buffer = io.BytesIO()
        torch.save(dict(meta=dict(meta or {}),
                        state_dict=dict(w=torch.full((4, ), 1.0 + self.epoch)),
                        message_hub=self.message_hub.state_dict()), buffer)
        path = osp.join(out_dir, filename)
        if self.fail_on and self.fail_on in filename:
            with open(path, 'wb') as f:
                f.write(buffer.getvalue()[:100])
            raise OSError(28, 'No space left on device')
        LocalBackend().put(buffer.getvalue(), path)


def _train_epoch(hook, runner, metrics=None) -> None:
    """One epoch as the Runner calls the hook: save, count, validate."""
    hook.after_train_epoch(runner)
    runner.epoch += 1
    if metrics is not None:
        hook.after_val_epoch(runner, metrics)


def _listing(folder) -> list:
    return sorted(os.listdir(folder))


def _last_checkpoint(work_dir) -> str:
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        return f.read()


def test_failed_write_keeps_previous_checkpoint(tmp_path):
    work = str(tmp_path)
    runner = FakeRunner(work)
    hook = AtomicCheckpointHook(interval=1, max_keep_ckpts=1)
    hook.before_train(runner)
    _train_epoch(hook, runner)
    epoch1 = osp.join(work, 'epoch_1.pth')
    assert _last_checkpoint(work) == epoch1

    runner.fail_on = 'epoch_2.pth'
    with pytest.raises(OSError, match='No space'):
        _train_epoch(hook, runner)
    # nothing under the new name, the old checkpoint is still there (not
    # deleted before its replacement existed) and still what
    # last_checkpoint names; no temp file left by the failed write
    assert _listing(work) == ['epoch_1.pth', 'last_checkpoint']
    assert _last_checkpoint(work) == epoch1
    assert load_checkpoint_file(epoch1)['meta']['epoch'] == 1


@pytest.mark.parametrize('out_dir', [None, 'elsewhere'])
def test_same_files_as_checkpoint_hook(tmp_path, out_dir):
    """interval, max_keep_ckpts, save_best and out_dir behave as in
    mmengine's CheckpointHook: the same files, the same last_checkpoint."""
    results = []
    for name, hook_type in (('plain', CheckpointHook),
                            ('atomic', AtomicCheckpointHook)):
        work = str(tmp_path / name / 'work')
        os.makedirs(work)
        kwargs = dict(interval=1, max_keep_ckpts=2, save_best='acc',
                      rule='greater')
        if out_dir is not None:
            kwargs['out_dir'] = str(tmp_path / name / out_dir)
        hook = hook_type(**kwargs)
        runner = FakeRunner(work)
        hook.before_train(runner)
        for acc in (0.5, 0.7, 0.6, 0.65):
            _train_epoch(hook, runner, dict(acc=acc))
        folder = hook.out_dir
        files = _listing(folder)
        last = osp.relpath(_last_checkpoint(work), folder)
        results.append((files, last))
        if name == 'atomic':
            assert load_checkpoint_file(osp.join(folder, last))[
                'meta']['epoch'] == 4
    assert results[0] == results[1]
    files, last = results[1]
    assert last == 'epoch_4.pth'
    assert 'best_acc_epoch_2.pth' in files
    assert 'epoch_3.pth' in files and 'epoch_2.pth' not in files


def test_stale_temp_files_are_removed(tmp_path):
    work = str(tmp_path)
    stale = [osp.join(work, '.tmp_k3j2_epoch_2.pth.part'),
             osp.join(work, '.tmp_8xq1.last_checkpoint')]
    other = osp.join(work, '.tmp_zz.json')  # not a checkpoint temp file
    for path in stale + [other]:
        with open(path, 'wb') as f:
            f.write(b'PK\x03\x04 half a checkpoint')
    hook = AtomicCheckpointHook(interval=1)
    hook.before_train(FakeRunner(work))
    assert _listing(work) == ['.tmp_zz.json']


def test_temp_files_are_hidden_and_not_pth(tmp_path):
    """While a checkpoint is written, its temp file is no *.pth."""
    work = str(tmp_path)
    runner = FakeRunner(work)
    seen = []
    put = LocalBackend.put

    def spy(self, obj, filepath):
        seen.append(osp.basename(filepath))
        put(self, obj, filepath)

    hook = AtomicCheckpointHook(interval=1)
    hook.before_train(runner)
    with mock.patch.object(LocalBackend, 'put', spy):
        _train_epoch(hook, runner)
    assert len(seen) == 1
    assert seen[0].startswith('.tmp_') and seen[0].endswith('.part')
    assert glob.glob(osp.join(work, '*.pth')) == [
        osp.join(work, 'epoch_1.pth')]


@pytest.mark.parametrize('content', ['', 'MISSING'])
def test_auto_resume_checks_last_checkpoint(tmp_path, content):
    work = str(tmp_path)
    missing = osp.join(work, 'epoch_3.pth')
    with open(osp.join(work, 'last_checkpoint'), 'w') as f:
        f.write(missing if content == 'MISSING' else content)
    runner = FakeRunner(work)
    runner._resume, runner._load_from = True, None
    with pytest.raises(FileNotFoundError) as info:
        AtomicCheckpointHook().before_run(runner)
    message = str(info.value)
    assert osp.join(work, 'last_checkpoint') in message
    assert '\n' not in message
    if content == 'MISSING':
        assert missing in message
    # an explicit checkpoint does not go through last_checkpoint
    runner._load_from = osp.join(work, 'given.pth')
    AtomicCheckpointHook().before_run(runner)


def test_configs_use_it():
    register_all_modules()
    cfg = Config.fromfile(
        osp.join(REPO, 'configs', '_base_', 'default_runtime.py'))
    hook = HOOKS.build(cfg.default_hooks.checkpoint)
    assert isinstance(hook, AtomicCheckpointHook)
    assert (hook.interval, hook.max_keep_ckpts) == (10, 3)
    # no shipped config swaps it back
    paths = glob.glob(osp.join(REPO, 'configs', 'sot', 'stark', '*.py'))
    assert len(paths) >= 10, paths  # the loop below must see the configs
    for path in paths:
        checkpoint = Config.fromfile(path).default_hooks.checkpoint
        assert checkpoint.type == 'AtomicCheckpointHook', path
