"""ResumeGuardHook: a loaded checkpoint's stored config never runs, and the
tools put the guard on every Runner they build."""
import os.path as osp
from types import SimpleNamespace

import pytest
from mmengine.config import Config

from stark_plugin.engine import ResumeGuardHook, install_resume_guard
from stark_plugin.engine.launch import build_runner
from stark_plugin.errors import UntrustedConfigError

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOY_DIR = osp.join(REPO, 'tests', 'data', 'toy')
CODE = "gpu_ids = [0]\n_x = __import__('os').getcwd()\n"


def _runner(tmp_path, resuming: bool):
    return SimpleNamespace(_load_from=str(tmp_path / 'epoch_3.pth'),
                           _resume=resuming, work_dir=str(tmp_path),
                           optim_wrapper=None, hooks=[])


def test_code_in_the_stored_config_stops_a_resume(tmp_path):
    checkpoint = dict(meta=dict(config=CODE, epoch=3))
    with pytest.raises(UntrustedConfigError, match='epoch_3.pth'):
        ResumeGuardHook().after_load_checkpoint(_runner(tmp_path, True),
                                                checkpoint)


def test_load_from_drops_the_stored_config(tmp_path):
    checkpoint = dict(meta=dict(config=CODE, epoch=3))
    ResumeGuardHook().after_load_checkpoint(_runner(tmp_path, False),
                                            checkpoint)
    assert 'config' not in checkpoint['meta']
    assert checkpoint['meta']['epoch'] == 3


def test_plain_gpu_ids_are_kept_for_the_runner(tmp_path):
    checkpoint = dict(meta=dict(config='gpu_ids = [0, 1]\nlr = 0.1\n'))
    ResumeGuardHook().after_load_checkpoint(_runner(tmp_path, True),
                                            checkpoint)
    assert Config.fromstring(checkpoint['meta']['config'],
                             '.py').gpu_ids == [0, 1]


def test_build_runner_installs_the_guard_once(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(TOY_DIR)
    cfg = Config.fromfile(osp.join(TOY_DIR, 'toy_config.py'))
    cfg.work_dir = str(tmp_path)
    # mmengine's plain checkpoint hook: the guard does not depend on it
    cfg.default_hooks.checkpoint.type = 'CheckpointHook'
    runner = build_runner(cfg)
    guards = [h for h in runner.hooks if isinstance(h, ResumeGuardHook)]
    assert len(guards) == 1
    assert runner.hooks[0] is guards[0]  # before every other hook
    install_resume_guard(runner)  # already there: not added twice
    assert sum(isinstance(h, ResumeGuardHook) for h in runner.hooks) == 1
