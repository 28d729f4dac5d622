"""The tracker's settings: command line first, then STARK_VOT_* variables
(the env_* keys of trackers.ini), with clear errors."""
import os
import os.path as osp

import pytest

from stark_plugin.errors import InputError, run_cli
from stark_plugin.vot.cli import main
from stark_plugin.vot.settings import (ENV_PREFIX, TrackerSettings,
                                       parse_tracker_settings)


@pytest.fixture
def files(tmp_path):
    ckpt, cfg, other = (tmp_path / n for n in ('a.pth', 'c.py', 'b.pth'))
    for f in (ckpt, cfg, other):
        f.write_text('x')
    return str(ckpt), str(cfg), str(other)


def test_environment_fills_what_the_command_line_leaves(files):
    ckpt, cfg, other = files
    env = {ENV_PREFIX + 'CHECKPOINT': other, ENV_PREFIX + 'CONFIG': cfg,
           ENV_PREFIX + 'THREADS': '2', ENV_PREFIX + 'SINGLE_OBJECT': 'yes',
           ENV_PREFIX + 'DEVICE': 'cuda:1'}
    s = parse_tracker_settings(['--checkpoint', ckpt], env)
    assert s == TrackerSettings(checkpoint=ckpt, config=cfg, threads=2,
                                single_object=True, device='cuda:1')


def test_settings_round_trip_through_arguments_and_environment(files):
    ckpt, cfg, _ = files
    s = TrackerSettings(ckpt, cfg, threads=3, single_object=True)
    assert parse_tracker_settings(s.as_arguments(), {}) == s
    assert parse_tracker_settings([], s.as_environment()) == s


@pytest.mark.parametrize('argv, env, words', [
    ([], {}, 'no checkpoint'),
    (['--checkpoint', '{ckpt}', '--backend', 'onnxruntime'], {},
     'needs --onnx-dir'),
    (['--checkpoint', '{ckpt}'], {ENV_PREFIX + 'BACKEND': 'tensorrt'},
     'STARK_VOT_BACKEND'),
    (['--checkpoint', '{ckpt}'], {ENV_PREFIX + 'THREADS': 'two'},
     'not an integer'),
    (['--checkpoint', '{ckpt}'], {ENV_PREFIX + 'SINGLE_OBJECT': 'maybe'},
     'expected 1/0'),
])
def test_bad_settings_say_what_is_wrong(files, argv, env, words):
    argv = [a.format(ckpt=files[0]) for a in argv]
    with pytest.raises(InputError, match=words):
        parse_tracker_settings(argv, env)


def test_missing_files_name_the_path_and_its_source(tmp_path):
    missing = str(tmp_path / 'none.pth')
    with pytest.raises(FileNotFoundError, match='STARK_VOT_CHECKPOINT') as e:
        parse_tracker_settings([], {ENV_PREFIX + 'CHECKPOINT': missing})
    assert osp.abspath(missing) in str(e.value)


def test_tracker_without_checkpoint_exits_with_one_error_line(
        monkeypatch, capsys):
    for key in [k for k in os.environ if
                k.startswith(ENV_PREFIX)]:
        monkeypatch.delenv(key)
    assert run_cli(main, []) == 1
    assert capsys.readouterr().err.strip() == (
        'error: no checkpoint: pass --checkpoint or set STARK_VOT_CHECKPOINT '
        '(trackers.ini: env_stark_vot_checkpoint = PATH)')
