"""Stage 2 from an official stage-1 ``.pth.tar`` (the natural path:
download the official weights, train the score head): the Runner's loader
converts the file and the stage-1 check reads it the same way, so a right
file passes silently and a wrong one still raises the banner."""
import os.path as osp
import warnings

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

from stark_plugin.engine import (StageOneWeightsCheckHook,
                                 StageOneWeightsWarning)
from stark_plugin.setup_env import register_all_modules

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
ST2_R50 = osp.join(REPO, 'configs', 'sot', 'stark',
                   'stark_st2_r50_50e_got10k.py')


def _check(load_from: str, work_dir: str) -> StageOneWeightsCheckHook:
    """Build the shipped stage-2 Runner, load ``load_from`` as ``train``
    does, and run the stage-1 check hook of its config."""
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(ST2_R50)
    cfg.work_dir = work_dir
    cfg.load_from = load_from
    cfg.model.backbone.pop('init_cfg', None)
    runner = Runner.from_cfg(cfg)
    runner.load_or_resume()
    hook = next(h for h in runner.hooks
                if isinstance(h, StageOneWeightsCheckHook))
    hook.before_train(runner)
    return hook


@pytest.mark.slow
def test_official_stage_one_file_passes_silently(parity, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter('error', StageOneWeightsWarning)
        hook = _check(parity.official_checkpoint('st50'), str(tmp_path))
    assert hook.report['status'] == 'ok'
    assert hook.report['matched'] > 400 and hook.report['missing'] == 0


@pytest.mark.slow
def test_stage_one_file_of_another_model_raises_the_banner(parity,
                                                           tmp_path):
    with pytest.warns(StageOneWeightsWarning, match='NOT loaded'):
        hook = _check(parity.official_checkpoint('lightning'),
                      str(tmp_path))
    assert hook.report['status'] == 'mismatch'
    assert hook.report['missing'] > 400
