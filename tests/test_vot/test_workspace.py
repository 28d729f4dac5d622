"""The workspace command: trackers.ini as the toolkit reads it, config.yaml,
the sequences folder with list.txt (so the toolkit downloads nothing)."""
import configparser
import os
import os.path as osp

import pytest
import yaml

from stark_plugin.datasets.synthetic_vot import make_synthetic_vot
from stark_plugin.errors import InputError, run_cli
from stark_plugin.fileio.vot import read_dataset, read_sequence_list
from stark_plugin.vot.cli import main
from stark_plugin.vot.settings import TrackerSettings
from stark_plugin.vot.workspace import PACKAGE_ROOT, write_workspace

from .toolkit_run import DATA, check_complete


def _toolkit_view(path: str) -> configparser.ConfigParser:
    """trackers.ini parsed as vot-toolkit parses it (%-interpolation)."""
    ini = configparser.ConfigParser()
    ini.read(path)
    return ini


@pytest.fixture
def settings(tmp_path):
    folder = tmp_path / 'model 100%'  # a space and a % in the paths
    folder.mkdir()
    (folder / 'w.pth').write_text('x')
    (folder / 'c.py').write_text('x')
    return TrackerSettings(str(folder / 'w.pth'), str(folder / 'c.py'),
                           threads=1)


def test_synthetic_sequences_are_a_vot_dataset(tmp_path):
    names = make_synthetic_vot(str(tmp_path), 2, 12, size=(96, 72),
                               regions=('mask', ), anchor_every=5,
                               backward_anchor=False)
    seqs = read_dataset(str(tmp_path))
    assert [s.name for s in seqs] == names
    for seq in seqs:
        assert seq.length == 12 and (seq.width, seq.height) == (96, 72)
        assert all(r.mask.any() for r in seq.groundtruth)  # masks, as VOT20
        assert seq.values['anchor'].nonzero()[0].tolist() == [0, 5, 10]
        assert len(os.listdir(osp.join(seq.path, 'color'))) == 12


def test_workspace_files(tmp_path, settings):
    ws = tmp_path / 'ws'
    names = write_workspace(str(ws), settings, 'vot2020/shortterm',
                            synthetic=2, python='/opt/py/bin/python',
                            synthetic_options=dict(num_frames=4))
    config = yaml.safe_load((ws / 'config.yaml').read_text())
    assert config == {'registry': ['./trackers.ini'],
                      'stack': 'vot2020/shortterm', 'sequences': 'sequences'}
    assert read_sequence_list(str(ws / 'sequences')) == names
    entry = _toolkit_view(str(ws / 'trackers.ini'))['stark']
    assert entry['protocol'] == 'traxpython'
    assert entry['command'] == 'stark_plugin.vot'
    assert entry['python'] == '/opt/py/bin/python'
    # the toolkit reverses paths: the package root must come out first
    assert entry['paths'].split(os.pathsep)[::-1][0] == PACKAGE_ROOT
    env = {k[4:].upper(): v for k, v in entry.items() if k.startswith('env_')}
    assert env == settings.as_environment()
    assert (ws / 'results').is_dir()


def test_second_tracker_joins_the_workspace(tmp_path, settings):
    ws = str(tmp_path / 'ws')
    write_workspace(ws, settings, 'vot2020/longterm', synthetic=1,
                    synthetic_options=dict(num_frames=3))
    write_workspace(ws, settings, 'vot2020/longterm', name='stark_bf16')
    assert _toolkit_view(osp.join(ws, 'trackers.ini')).sections() == [
        'stark', 'stark_bf16']
    with pytest.raises(InputError, match='--force'):
        write_workspace(ws, settings, 'vot2020/shortterm', name='x')


def test_sequences_are_linked_or_copied(tmp_path, settings):
    data = tmp_path / 'data'
    make_synthetic_vot(str(data), 1, 3)
    linked, copied = tmp_path / 'a', tmp_path / 'b'
    write_workspace(str(linked), settings, 'vot2020/shortterm',
                    sequences=str(data))
    write_workspace(str(copied), settings, 'vot2020/shortterm',
                    sequences=str(data), copy=True)
    assert osp.realpath(linked / 'sequences') == osp.realpath(data)
    assert not osp.islink(copied / 'sequences')
    assert read_sequence_list(str(copied / 'sequences')) == \
        read_sequence_list(str(data))


def test_stack_file_is_copied_and_checked(tmp_path, settings):
    stack = tmp_path / 's.yaml'
    stack.write_text('title: t\nexperiments:\n  a:\n    type: unsupervised\n')
    ws = tmp_path / 'ws'
    write_workspace(str(ws), settings, str(stack), synthetic=1,
                    synthetic_options=dict(num_frames=3))
    assert (ws / 'stack.yaml').read_text() == stack.read_text()
    assert yaml.safe_load((ws / 'config.yaml').read_text())['stack'] == \
        './stack.yaml'
    stack.write_text('title: no experiments\n')
    with pytest.raises(InputError, match='experiments'):
        write_workspace(str(tmp_path / 'ws2'), settings, str(stack),
                        synthetic=1)


@pytest.mark.parametrize('extra, words', [
    ([], 'no sequences'),
    (['--sequences', '{tmp}/missing'], 'list.txt not found'),
    (['--synthetic', '1', '--stack', 'not a stack!'], 'toolkit stack name'),
    (['--synthetic', '1', '--name', 'a b'], '--name'),
])
def test_command_errors(tmp_path, settings, capsys, extra, words):
    extra = [e.format(tmp=tmp_path) for e in extra]
    if '--stack' not in extra:
        extra += ['--stack', 'vot2020/shortterm']
    argv = ['workspace', str(tmp_path / 'ws'), '--checkpoint',
            settings.checkpoint] + extra
    assert run_cli(main, argv) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith('error: ') and words in err, err


def test_kept_toolkit_run_is_complete():
    """The toolkit run kept in tests/data/vot_toolkit (see its README)."""
    check_complete(osp.join(DATA, 'results', 'stark'))
