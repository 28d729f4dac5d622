"""StageOneWeightsCheckHook: loud warnings when stage 2 does not start
from stage-1 weights."""
import os.path as osp
from types import SimpleNamespace

import pytest
import torch
from mmengine.config import Config

from stark_plugin.engine import (StageOneWeightsCheckHook,
                                 StageOneWeightsWarning)
from stark_plugin.registry import HOOKS, MODELS
from stark_plugin.setup_env import register_all_modules

CONFIG_DIR = osp.join(osp.dirname(__file__), '..', '..', 'configs', 'sot',
                      'stark')


def _model(stage: str = 'st2', seed: int = 0):
    register_all_modules()
    cfg = Config.fromfile(osp.join(CONFIG_DIR, 'stark_st2_tiny_synth.py'))
    cfg.model.train_cfg.stage = stage
    torch.manual_seed(seed)
    return MODELS.build(cfg.model)


def _runner(model, load_from=None, resume=False, work_dir='.'):
    return SimpleNamespace(model=model, _load_from=load_from,
                           _resume=resume, work_dir=str(work_dir))


def _save(model, path) -> str:
    torch.save(dict(meta=dict(epoch=1), state_dict=model.state_dict()),
               str(path))
    return str(path)


def test_registered_and_in_tiny_st2_config():
    hook = HOOKS.build(dict(type='StageOneWeightsCheckHook'))
    assert isinstance(hook, StageOneWeightsCheckHook)


def test_no_load_from_warns():
    hook = StageOneWeightsCheckHook()
    with pytest.warns(StageOneWeightsWarning, match='UNTRAINED'):
        hook.before_train(_runner(_model()))
    assert hook.report['status'] == 'no_checkpoint'


def test_loaded_stage_one_checkpoint_is_quiet(tmp_path, recwarn):
    st1 = _model('st1', seed=1)
    path = _save(st1, tmp_path / 'st1.pth')
    st2 = _model('st2', seed=2)
    st2.load_state_dict(torch.load(path)['state_dict'])
    hook = StageOneWeightsCheckHook()
    hook.before_train(_runner(st2, load_from=path))
    assert hook.report['status'] == 'ok'
    assert hook.report['matched'] > 0
    assert not [w for w in recwarn
                if issubclass(w.category, StageOneWeightsWarning)]


def test_checkpoint_not_loaded_or_incomplete_warns(tmp_path):
    st1 = _model('st1', seed=1)
    path = _save(st1, tmp_path / 'st1.pth')
    other = _model('st2', seed=2)  # load_from given but never loaded
    hook = StageOneWeightsCheckHook()
    with pytest.warns(StageOneWeightsWarning, match='NOT loaded'):
        hook.before_train(_runner(other, load_from=path))
    assert hook.report['status'] == 'mismatch'
    assert hook.report['different'] > 0

    # a backbone-only checkpoint (e.g. ImageNet weights): transformer and
    # box head missing
    state = {k: v for k, v in st1.state_dict().items()
             if k.startswith('backbone.')}
    part = tmp_path / 'backbone.pth'
    torch.save(dict(state_dict=state), str(part))
    model = _model('st2', seed=2)
    model.load_state_dict(state, strict=False)
    hook = StageOneWeightsCheckHook()
    with pytest.warns(StageOneWeightsWarning, match='missing'):
        hook.before_train(_runner(model, load_from=str(part)))
    assert hook.report['missing'] > 0
    with pytest.raises(RuntimeError, match='NOT loaded'):
        StageOneWeightsCheckHook(strict=True).before_train(
            _runner(model, load_from=str(part)))


def test_resume_checks_latest_checkpoint(tmp_path):
    model = _model('st2')
    path = _save(model, tmp_path / 'epoch_1.pth')
    (tmp_path / 'last_checkpoint').write_text(path)
    hook = StageOneWeightsCheckHook()
    hook.before_train(_runner(model, resume=True, work_dir=tmp_path))
    assert hook.report['status'] == 'ok'
    assert hook.report['checkpoint'] == path


def test_stage_one_is_not_checked():
    hook = StageOneWeightsCheckHook()
    hook.before_train(_runner(_model('st1')))
    assert hook.report == {}
