"""tools/dist_test.sh with 2 gloo processes == one process."""
import os
import os.path as osp

import pytest
import torch

from stark_plugin.apis import init_model
from stark_plugin.datasets.synthetic import make_synthetic_got10k

from .dist_run import REPO, read_metrics, run_one_and_two

CONFIG = osp.join(REPO, 'tests', 'data', 'configs',
                  'stark_st_tiny_got10k_val.py')


@pytest.mark.slow(seconds=35)
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

    single, multi = run_one_and_two(CONFIG, ckpt, options, tmp_path)

    for name in names:
        with open(osp.join(single, 'results', f'{name}.txt')) as f:
            expected = f.read()
        with open(osp.join(multi, 'results', f'{name}.txt')) as f:
            assert f.read() == expected, name
    one, two = read_metrics(single), read_metrics(multi)
    # every metric but the measured speed
    keys = [k for k in one if k.startswith('sot/') and 'fps' not in k]
    assert 'sot/ao' in keys
    for key in keys:
        assert two[key] == one[key], key
