"""tools/dist_test.sh with a VOT config: 2 gloo processes write the same
toolkit result folder and report the same numbers as one process."""
import glob
import json
import os
import os.path as osp
import socket
import subprocess
import sys

import pytest

from stark_plugin.apis.model_zoo import DEFAULT_CHECKPOINT
from stark_plugin.datasets.synthetic_vot import make_synthetic_vot

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'tests', 'data', 'configs',
                  'stark_st2_tiny_synth_vot.py')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _env(**extra):
    # one thread per process in both runs: the same float sums
    # (dist_test.sh runs `python`: the interpreter of this test)
    env = dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='1', **extra)
    env['PATH'] = osp.dirname(sys.executable) + os.pathsep + env['PATH']
    env.pop('LOCAL_RANK', None)
    return env


def _metrics(work_dir):
    files = sorted(glob.glob(osp.join(str(work_dir), '*', '*.json')))
    with open(files[-1]) as f:
        return json.loads(f.readlines()[-1])


def _files(work_dir):
    root = osp.join(str(work_dir), 'vot_results')
    out = {}
    for path in glob.glob(osp.join(root, '*', '*', '*', '*.txt')):
        with open(path) as f:
            out[osp.relpath(path, root)] = f.read()
    return out


@pytest.mark.slow
def test_two_processes_write_what_one_writes(tmp_path):
    data = str(tmp_path / 'sequences')
    make_synthetic_vot(data, 3, (9, 6, 11), seed=3, size=(128, 96))
    options = ['--cfg-options', f'test_dataloader.dataset.data_root={data}',
               'test_evaluator.eao_interval=auto']
    single = tmp_path / 'single'
    proc = subprocess.run(
        [sys.executable, osp.join(REPO, 'tools', 'test.py'), CONFIG,
         DEFAULT_CHECKPOINT, '--work-dir', str(single), *options],
        capture_output=True, text=True, timeout=600, env=_env())
    assert proc.returncode == 0, proc.stderr[-3000:]
    multi = tmp_path / 'multi'
    proc = subprocess.run(
        ['bash', osp.join(REPO, 'tools', 'dist_test.sh'), CONFIG,
         DEFAULT_CHECKPOINT, '2', '--work-dir', str(multi), *options],
        capture_output=True, text=True, timeout=600,
        env=_env(PORT=str(free_port())))
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    files = _files(single)
    assert len(files) == 3 and files == _files(multi)
    one, two = _metrics(single), _metrics(multi)
    keys = [k for k in one if k.startswith('vot/')]
    assert keys and all(two[k] == one[k] for k in keys)
