"""tools/dist_test.sh with 2 gloo processes == one process."""
import glob
import json
import os
import os.path as osp
import socket
import subprocess
import sys

import pytest
import torch

from stark_plugin.apis import init_model
from stark_plugin.datasets.synthetic import make_synthetic_got10k

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'tests', 'data', 'configs',
                  'stark_st_tiny_got10k_val.py')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _env(**extra):
    # torchrun gives each worker one thread; the single-process reference
    # uses one too, so both sum floats in the same order.
    env = dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='1', **extra)
    env.pop('LOCAL_RANK', None)
    return env


def _metrics(work_dir):
    files = sorted(glob.glob(osp.join(str(work_dir), '*', '*.json')))
    with open(files[-1]) as f:
        return json.loads(f.readlines()[-1])


@pytest.mark.slow
def test_two_processes_match_one(tmp_path):
    data = str(tmp_path / 'data')
    # 5 videos of different lengths: the ranks get unequal shares.
    names = []
    for i, frames in enumerate((9, 14, 6, 11, 8)):
        sub = make_synthetic_got10k(
            str(tmp_path / f'part{i}'), num_videos=1, num_frames=frames,
            seed=10 + i, num_val_videos=1, size=(128, 96))['val']
        src = tmp_path / f'part{i}' / 'val' / sub[0]
        name = f'GOT-10k_Val_{i + 1:06d}'
        os.makedirs(osp.join(data, 'val'), exist_ok=True)
        os.rename(src, osp.join(data, 'val', name))
        names.append(name)
    with open(osp.join(data, 'val', 'list.txt'), 'w') as f:
        f.write('\n'.join(names) + '\n')

    torch.manual_seed(0)
    ckpt = str(tmp_path / 'tiny.pth')
    torch.save(dict(state_dict=init_model(CONFIG).state_dict()), ckpt)
    options = ['--cfg-options',
               f'test_dataloader.dataset.data_root={data}']

    single = tmp_path / 'single'
    proc = subprocess.run(
        [sys.executable, osp.join(REPO, 'tools', 'test.py'), CONFIG, ckpt,
         '--work-dir', str(single), *options],
        capture_output=True, text=True, timeout=600, env=_env())
    assert proc.returncode == 0, proc.stderr[-3000:]

    multi = tmp_path / 'multi'
    proc = subprocess.run(
        ['bash', osp.join(REPO, 'tools', 'dist_test.sh'), CONFIG, ckpt, '2',
         '--work-dir', str(multi), *options],
        capture_output=True, text=True, timeout=600,
        env=_env(PORT=str(free_port())))
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]

    for name in names:
        with open(single / 'results' / f'{name}.txt') as f:
            expected = f.read()
        with open(multi / 'results' / f'{name}.txt') as f:
            assert f.read() == expected, name
    one, two = _metrics(single), _metrics(multi)
    # every metric but the measured speed
    keys = [k for k in one if k.startswith('sot/') and 'fps' not in k]
    assert 'sot/ao' in keys
    for key in keys:
        assert two[key] == one[key], key
