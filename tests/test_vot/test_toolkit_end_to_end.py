"""vot-toolkit itself runs STARK end to end, offline: a workspace written
by ``python -m stark_plugin.vot workspace`` on the generated sequences of
``tests/data/vot_toolkit``, ``vot evaluate`` of the supervised (reset),
multistart and unsupervised experiments, then ``vot analysis``.

The toolkit's trajectories are checked against SOTInferencer on the same
frames (unsupervised; the multistart run from frame 0 is the same run).
"""
import glob
import json
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import torch

from stark_plugin.apis import SOTInferencer, init_model
from stark_plugin.fileio.frames import read_frame
from stark_plugin.fileio.vot import (VOTMask, mask_from_box, read_anchor_runs,
                                     read_dataset, read_runs)
from stark_plugin.vot.regions import box_from_region
from stark_plugin.vot.settings import TrackerSettings
from stark_plugin.vot.workspace import write_workspace

from .toolkit_run import DATA, check_complete

vot = pytest.importorskip('vot', reason='vot-toolkit (tests requirements)')

pytestmark = pytest.mark.slow

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', 'sot', 'stark', 'stark_st2_tiny_synth.py')
CHECKPOINT = osp.join(REPO, 'stark_plugin', 'assets',
                      'stark_st_tiny_synth_rich.pth')
#: the toolkit version whose experiments run with a TraX tracker
TOOLKIT = '0.7.4'


def _vot(workspace: str, *args: str) -> str:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [REPO, os.environ.get('PYTHONPATH', '')]))
    proc = subprocess.run([sys.executable, '-m', 'vot', *args, '--workspace',
                           workspace, 'stark'], cwd=workspace, env=env,
                          capture_output=True, text=True, timeout=1800)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    return out


def _pixels(region, width: int, height: int) -> np.ndarray:
    """A mask region as a full-frame 0/1 image."""
    assert isinstance(region, VOTMask), region
    full = np.zeros((height + 64, width + 64), np.uint8)
    x0, y0 = region.offset
    h, w = region.mask.shape
    full[y0:y0 + h, x0:x0 + w] = region.mask
    return full[:height, :width]


@pytest.fixture(scope='module')
def workspace(tmp_path_factory):
    assert vot.__version__ == TOOLKIT, (
        f'vot-toolkit {vot.__version__}: the reset-based and multistart '
        f'experiments run with TraX trackers on {TOOLKIT} (docs/vot.md)')
    ws = str(tmp_path_factory.mktemp('vot_ws'))
    settings = TrackerSettings(CHECKPOINT, CONFIG,
                               threads=torch.get_num_threads())
    write_workspace(ws, settings, osp.join(DATA, 'stack.yaml'),
                    sequences=osp.join(DATA, 'sequences'))
    out = _vot(ws, 'evaluate')
    assert 'error' not in out.lower(), out[-4000:]
    return ws


def test_every_experiment_writes_every_sequence(workspace):
    check_complete(osp.join(workspace, 'results', 'stark'))


def test_trajectories_are_the_inferencers(workspace):
    """The toolkit gives the masks of the ground truth: the tracker starts
    from their boxes and answers box masks."""
    model = init_model(CONFIG, CHECKPOINT)
    results = osp.join(workspace, 'results', 'stark')
    for seq in read_dataset(osp.join(DATA, 'sequences')):
        frames = [read_frame(osp.join(seq.path, 'color', f'{i + 1:08d}.jpg'))
                  for i in range(seq.length)]
        inferencer = SOTInferencer(model)
        inferencer.init(frames[0], box_from_region(seq.groundtruth[0]))
        expected = [mask_from_box(inferencer.track(f)['box'], seq.width,
                                  seq.height) for f in frames[1:]]
        unsupervised, = read_runs(osp.join(results, 'unsupervised'),
                                  seq.name)
        from_zero = read_anchor_runs(osp.join(results, 'multistart'),
                                     seq.name, [0])[0]
        for trajectory in (unsupervised, from_zero):
            assert trajectory[0] == 1  # the toolkit's initialisation code
            for i, (got, want) in enumerate(zip(trajectory[1:], expected)):
                assert np.array_equal(
                    _pixels(got, seq.width, seq.height),
                    _pixels(want, seq.width, seq.height)), (seq.name, i + 1)
        confidence = osp.join(results, 'unsupervised', seq.name,
                              f'{seq.name}_001_confidence.value')
        assert osp.isfile(confidence)


def test_analysis_runs_offline(workspace):
    _vot(workspace, 'analysis', '--format', 'json')
    reports = glob.glob(osp.join(workspace, 'analysis', '*.json'))
    assert len(reports) == 1
    with open(reports[0]) as f:
        report = json.load(f)
    assert report['toolkit'] == TOOLKIT
    assert set(report['results']) == {'baseline', 'multistart',
                                      'unsupervised'}
