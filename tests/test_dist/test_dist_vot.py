"""tools/dist_test.sh with a VOT config: 2 gloo processes write the same
toolkit result folder and report the same numbers as one process."""
import glob
import os.path as osp

import pytest

from stark_plugin.apis.model_zoo import DEFAULT_CHECKPOINT
from stark_plugin.datasets.synthetic_vot import make_synthetic_vot

from .dist_run import REPO, read_metrics, run_one_and_two

CONFIG = osp.join(REPO, 'tests', 'data', 'configs',
                  'stark_st2_tiny_synth_vot.py')


def _files(work_dir):
    root = osp.join(str(work_dir), 'vot_results')
    out = {}
    for path in glob.glob(osp.join(root, '*', '*', '*', '*.txt')):
        with open(path) as f:
            out[osp.relpath(path, root)] = f.read()
    return out


@pytest.mark.slow(seconds=30)
def test_two_processes_write_what_one_writes(tmp_path):
    data = str(tmp_path / 'sequences')
    make_synthetic_vot(data, 3, (9, 6, 11), seed=3, size=(128, 96))
    options = ['--cfg-options', f'test_dataloader.dataset.data_root={data}',
               'test_evaluator.eao_interval=auto']
    single, multi = run_one_and_two(CONFIG, DEFAULT_CHECKPOINT, options,
                                    tmp_path)
    files = _files(single)
    assert len(files) == 3 and files == _files(multi)
    one, two = read_metrics(single), read_metrics(multi)
    keys = [k for k in one if k.startswith('vot/')]
    assert keys and all(two[k] == one[k] for k in keys)
