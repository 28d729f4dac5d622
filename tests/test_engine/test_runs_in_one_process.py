"""Runs built one after another (a loop over checkpoints, a notebook, a
script restarting a crashed run) log into their own files even within
one clock second."""
import os.path as osp
import re
import time
import uuid

import mmengine.runner.runner as mmengine_runner
import pytest
from mmengine.config import Config

import stark_plugin.engine.launch as launch

TINY_ST1 = osp.join(osp.dirname(__file__), '..', '..', 'configs', 'sot',
                    'stark', 'stark_st1_tiny_synth.py')


class FakeClock:
    """The ``time`` module as mmengine's runner and the launcher see it: a
    clock that stands still unless someone sleeps."""

    def __init__(self, now: float):
        self.now = now
        self.slept = []
        self.strftime = time.strftime
        self.localtime = time.localtime

    def time(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds

    def stamp(self):
        return time.strftime('%Y%m%d_%H%M%S', time.localtime(self.now))


@pytest.fixture
def clock(monkeypatch):
    """Every run starts in the same second, as fast runs often do."""
    fake = FakeClock(int(time.time()) + 0.25)
    monkeypatch.setattr(mmengine_runner, 'time', fake)
    monkeypatch.setattr(launch, 'time', fake)
    return fake


def _runner(work_dir, **options):
    cfg = Config.fromfile(TINY_ST1)
    cfg.work_dir = str(work_dir)
    cfg.merge_from_dict(options)
    return launch.build_runner(cfg)


def _vis_dir(runner):
    return runner.visualizer._vis_backends['LocalVisBackend']._save_dir


def test_same_second_runs_keep_apart(tmp_path, clock):
    runners = [_runner(tmp_path / str(i)) for i in range(3)]
    assert clock.slept == []
    names = [r.experiment_name for r in runners]
    assert len(set(names)) == 3
    for name in names:  # earlier tests of this process may own the bare one
        assert re.fullmatch(rf'stark_st1_tiny_synth(_\d+)?_{clock.stamp()}',
                            name)
    # the configs name their visualizer: later runs get their own one
    assert len({r.visualizer.instance_name for r in runners}) == 3
    for i, runner in enumerate(runners):
        assert runner.log_dir == osp.join(str(tmp_path / str(i)),
                                          clock.stamp())
        assert _vis_dir(runner).startswith(runner.log_dir)
    for attr in ('message_hub', 'visualizer', 'logger'):
        assert len({id(getattr(r, attr)) for r in runners}) == 3
    runners[0].message_hub.update_scalar('val/only_in_first', 1.0)
    assert 'val/only_in_first' not in runners[1].message_hub.log_scalars


def test_the_first_run_keeps_its_names(tmp_path, clock):
    sweep = f'sweep{uuid.uuid4().hex}'
    options = {'experiment_name': sweep, 'visualizer.name': sweep}
    first = _runner(tmp_path / 'a', **options)
    second = _runner(tmp_path / 'b', **options)
    other = _runner(tmp_path / 'c', experiment_name=f'{sweep}_lr')
    assert first.experiment_name == f'{sweep}_{clock.stamp()}'
    assert second.experiment_name == f'{sweep}_2_{clock.stamp()}'
    assert other.experiment_name == f'{sweep}_lr_{clock.stamp()}'
    assert first.visualizer.instance_name == sweep
    assert second.visualizer.instance_name == f'{sweep}_2'


def test_runs_of_one_work_dir_get_their_own_log_folders(tmp_path, clock):
    """A second run of a work dir starts in the next second without a log
    folder (here the next one has a folder too: two seconds later)."""
    first = _runner(tmp_path)
    assert first.log_dir == osp.join(str(tmp_path), clock.stamp())
    start = clock.now
    (tmp_path / FakeClock(start + 1).stamp()).mkdir()
    second = _runner(tmp_path)
    assert len(clock.slept) == 2
    assert second.log_dir == osp.join(str(tmp_path),
                                      FakeClock(start + 2).stamp())


def test_runs_of_configs_without_a_name_keep_apart(tmp_path, clock):
    """A config built in Python (no file, no experiment_name): mmengine
    names the run by its start second alone."""
    def unnamed(work_dir):
        cfg = Config(Config.fromfile(TINY_ST1).to_dict())
        assert cfg.filename is None
        cfg.work_dir = str(work_dir)
        return launch.build_runner(cfg)

    runners = [unnamed(tmp_path / str(i)) for i in range(3)]
    names = [r.experiment_name for r in runners]
    assert len(set(names)) == 3
    for name in names:  # earlier tests of this process may own the bare one
        assert re.fullmatch(rf'(run(_\d+)?_)?{clock.stamp()}', name)
    for attr in ('message_hub', 'visualizer', 'logger'):
        assert len({id(getattr(r, attr)) for r in runners}) == 3
