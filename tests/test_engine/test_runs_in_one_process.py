"""Runs built one after another in one process (a loop over checkpoints,
a notebook) log into their own files even within one clock second."""
import os.path as osp
import re
import time
import types
import uuid

import mmengine.runner.runner as mmengine_runner
import pytest
from mmengine.config import Config

from stark_plugin.engine.launch import build_runner

TINY_ST1 = osp.join(osp.dirname(__file__), '..', '..', 'configs', 'sot',
                    'stark', 'stark_st1_tiny_synth.py')


@pytest.fixture
def frozen_clock(monkeypatch):
    """mmengine's runner sees one fixed time: every run starts in the same
    second, as fast runs often do."""
    now = time.time()
    monkeypatch.setattr(mmengine_runner, 'time', types.SimpleNamespace(
        time=lambda: now, strftime=time.strftime, localtime=time.localtime))
    return time.strftime('%Y%m%d_%H%M%S', time.localtime(now))


def _runner(work_dir, **options):
    cfg = Config.fromfile(TINY_ST1)
    cfg.work_dir = str(work_dir)
    cfg.merge_from_dict(options)
    return build_runner(cfg)


def _vis_dir(runner):
    return runner.visualizer._vis_backends['LocalVisBackend']._save_dir


def test_same_second_runs_keep_apart(tmp_path, frozen_clock):
    runners = [_runner(tmp_path / str(i)) for i in range(3)]
    names = [r.experiment_name for r in runners]
    assert len(set(names)) == 3
    for name in names:  # earlier tests of this process may own the bare one
        assert re.fullmatch(rf'stark_st1_tiny_synth(_\d+)?_{frozen_clock}',
                            name)
    # the configs name their visualizer: later runs get their own one
    assert len({r.visualizer.instance_name for r in runners}) == 3
    for i, runner in enumerate(runners):
        assert runner.log_dir == osp.join(str(tmp_path / str(i)),
                                          frozen_clock)
        assert _vis_dir(runner).startswith(runner.log_dir)
    for attr in ('message_hub', 'visualizer', 'logger'):
        assert len({id(getattr(r, attr)) for r in runners}) == 3
    runners[0].message_hub.update_scalar('val/only_in_first', 1.0)
    assert 'val/only_in_first' not in runners[1].message_hub.log_scalars


def test_the_first_run_keeps_its_names(tmp_path, frozen_clock):
    sweep = f'sweep{uuid.uuid4().hex}'
    options = {'experiment_name': sweep, 'visualizer.name': sweep}
    first = _runner(tmp_path / 'a', **options)
    second = _runner(tmp_path / 'b', **options)
    other = _runner(tmp_path / 'c', experiment_name=f'{sweep}_lr')
    assert first.experiment_name == f'{sweep}_{frozen_clock}'
    assert second.experiment_name == f'{sweep}_2_{frozen_clock}'
    assert other.experiment_name == f'{sweep}_lr_{frozen_clock}'
    assert first.visualizer.instance_name == sweep
    assert second.visualizer.instance_name == f'{sweep}_2'
