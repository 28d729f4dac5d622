"""One vot-toolkit run per test session, shared by the tests that need
one (test_toolkit_end_to_end.py, test_toolkit_cross_check.py), also when
pytest-xdist runs the two modules on different workers."""
import glob
import json
import os
import os.path as osp
import subprocess
import sys
from dataclasses import dataclass

import pytest
import torch
from filelock import FileLock

from stark_plugin.datasets.synthetic_vot import make_synthetic_vot
from stark_plugin.vot.settings import TrackerSettings
from stark_plugin.vot.workspace import write_workspace

from .toolkit_run import REPO, STACK, kept_generator_call

CONFIG = osp.join(REPO, 'configs', 'sot', 'stark', 'stark_st2_tiny_synth.py')
CHECKPOINT = osp.join(REPO, 'stark_plugin', 'assets',
                      'stark_st_tiny_synth_rich.pth')
#: the toolkit version whose experiments run with a TraX tracker
TOOLKIT = '0.7.4'
TRACKER = 'stark'


@dataclass
class ToolkitRun:
    """A finished ``vot evaluate`` + ``vot analysis --format json``."""
    workspace: str
    sequences: str
    results: str  # <workspace>/results/<tracker>
    report: dict  # the analysis JSON
    threads: int  # torch threads of the tracker process


def _vot(workspace: str, *args: str) -> str:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [REPO, os.environ.get('PYTHONPATH', '')]))
    proc = subprocess.run([sys.executable, '-m', 'vot', *args, '--workspace',
                           workspace, TRACKER], cwd=workspace, env=env,
                          capture_output=True, text=True, timeout=1800)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    return out


def generated_sequences(root: str) -> list:
    """The kept run's generator call with two ground-truth kinds:
    ``synthetic01`` is the kept run's first sequence (mask ground truth;
    a sequence depends only on the seed and its index), ``synthetic02``
    the kept second video with rectangle ground truth of 2 decimals (as
    VOT's ground-truth files), so that TraX carries rectangles both
    ways."""
    kwargs = dict(kept_generator_call(), regions=('mask', 'rectangle'),
                  decimals=2)
    return make_synthetic_vot(root, **kwargs)


@pytest.fixture(scope='session')
def toolkit_run(tmp_path_factory) -> ToolkitRun:
    """vot-toolkit 0.7.4 evaluates the bundled tiny STARK through the TraX
    entry point on the generated sequences with the kept run's stack
    (supervised, multistart, unsupervised), then analyses the results."""
    vot = pytest.importorskip('vot', reason='vot-toolkit (tests '
                              'requirements)')
    assert vot.__version__ == TOOLKIT, (
        f'vot-toolkit {vot.__version__}: the reset-based and multistart '
        f'experiments run with TraX trackers on {TOOLKIT} (docs/vot.md)')
    # the workers of one session share the parent of their temp folders;
    # the first to take the lock runs the toolkit, the others read its run
    base = tmp_path_factory.getbasetemp()
    if os.environ.get('PYTEST_XDIST_WORKER'):
        base = base.parent
    root = base / 'vot_toolkit_run'
    with FileLock(f'{root}.lock'):
        record = root / 'run.json'
        if not record.is_file():
            record.write_text(json.dumps(dict(threads=_run_toolkit(root))))
        threads = json.loads(record.read_text())['threads']
    ws = str(root / 'workspace')
    reports = glob.glob(osp.join(ws, 'analysis', '*.json'))
    assert len(reports) == 1, reports
    with open(reports[0]) as f:
        report = json.load(f)
    return ToolkitRun(ws, str(root / 'sequences'),
                      osp.join(ws, 'results', TRACKER), report, threads)


def _run_toolkit(root) -> int:
    """Generate the sequences, write the workspace, ``vot evaluate`` and
    ``vot analysis`` in ``root``; the tracker's torch threads."""
    root.mkdir(parents=True, exist_ok=True)
    sequences = str(root / 'sequences')
    generated_sequences(sequences)
    ws = str(root / 'workspace')
    threads = torch.get_num_threads()
    write_workspace(ws, TrackerSettings(CHECKPOINT, CONFIG, threads=threads),
                    STACK, sequences=sequences, name=TRACKER)
    out = _vot(ws, 'evaluate')
    assert 'error' not in out.lower(), out[-4000:]
    _vot(ws, 'analysis', '--format', 'json')
    return threads
