"""MainProcessLoggerHook: the test-metrics JSON is written once, by rank 0."""
import glob
import json
import os.path as osp
from types import SimpleNamespace
from unittest import mock

import numpy as np
import pytest
from mmengine.config import Config

from stark_plugin.engine import MainProcessLoggerHook
from stark_plugin.engine.hooks import main_process_logger_hook
from stark_plugin.registry import HOOKS
from stark_plugin.setup_env import register_all_modules

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _runner(log_dir):
    tag = {'sot/ao': np.float64(0.625), 'sot/sr_0.5': 0.75, 'time': 0.1}
    processor = mock.Mock()
    processor.get_log_after_epoch.return_value = (tag, 'test: ao 0.625')
    return SimpleNamespace(log_processor=processor, logger=mock.Mock(),
                           test_dataloader=[None] * 3, log_dir=str(log_dir))


@pytest.mark.parametrize('main', [True, False])
def test_only_main_process_writes_metrics_json(tmp_path, main):
    hook = MainProcessLoggerHook()
    hook.json_log_path = '20260101_000000.json'
    runner = _runner(tmp_path)
    with mock.patch.object(main_process_logger_hook, 'is_main_process',
                           return_value=main):
        hook.after_test_epoch(runner, metrics={'sot/ao': 0.625})
    # every rank still logs the summary line
    runner.logger.info.assert_called_once_with('test: ao 0.625')
    path = tmp_path / hook.json_log_path
    if not main:
        assert not path.exists()
        return
    lines = path.read_text().splitlines()
    assert len(lines) == 1
    assert json.loads(lines[0]) == {'sot/ao': 0.625, 'sot/sr_0.5': 0.75,
                                    'time': 0.1}
    # atomic write: no temp file left beside it
    assert glob.glob(str(tmp_path / '.tmp_*')) == []


def test_default_runtime_uses_it():
    register_all_modules()
    cfg = Config.fromfile(
        osp.join(REPO, 'configs', '_base_', 'default_runtime.py'))
    hook = HOOKS.build(cfg.default_hooks.logger)
    assert isinstance(hook, MainProcessLoggerHook)
    assert hook.interval == 50
    # no shipped config swaps it back
    paths = glob.glob(osp.join(REPO, 'configs', 'sot', 'stark', '*.py'))
    assert len(paths) >= 10, paths  # the loop below must see the configs
    for path in paths:
        logger = Config.fromfile(path).default_hooks.logger
        assert logger.type == 'MainProcessLoggerHook', path
