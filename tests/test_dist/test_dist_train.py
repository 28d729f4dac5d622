"""tools/dist_train.sh with 2 gloo processes: distinct samples per rank,
one checkpoint, resume."""
import glob
import json
import os.path as osp
import subprocess

import pytest

from stark_plugin.datasets.synthetic import make_synthetic_got10k
from stark_plugin.checkpoint.safe_load import load_checkpoint_file

from .dist_run import REPO, dist_env, free_port

CONFIG = osp.join(REPO, 'tests', 'data', 'configs',
                  'stark_st1_tiny_synth_record.py')
TOY = osp.join(REPO, 'tests', 'data', 'toy')


def dist_train(work_dir, data, epochs, *extra):
    options = [
        f'train_dataloader.dataset.data_root={data}',
        'train_dataloader.batch_size=2',
        'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        'train_dataloader.sampler.samples_per_epoch=8',
        f'train_cfg.max_epochs={epochs}',
        'default_hooks.checkpoint.interval=1',
        'default_hooks.checkpoint.max_keep_ckpts=3',
        'default_hooks.logger.interval=1',
    ]
    env = dist_env(TOY, PORT=str(free_port()))
    proc = subprocess.run(
        ['bash', osp.join(REPO, 'tools', 'dist_train.sh'), CONFIG, '2',
         '--work-dir', str(work_dir), *extra, '--cfg-options', *options],
        capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    return proc.stdout + proc.stderr


def samples(work_dir, rank):
    with open(osp.join(str(work_dir), f'samples_rank{rank}.jsonl')) as f:
        return [tuple(json.dumps(v) for v in json.loads(line))
                for line in f]


@pytest.mark.slow(seconds=45)
def test_two_process_training_and_resume(tmp_path):
    data = str(tmp_path / 'data')
    make_synthetic_got10k(data, num_videos=6, num_frames=24, seed=5,
                          num_val_videos=1, size=(160, 120))
    work = tmp_path / 'work'
    log = dist_train(work, data, 1, '--auto-scale-lr')
    # total batch = 2 processes x 2 samples, against the base batch of 128
    assert 'the current batch size is 4' in log, log[-3000:]

    rank0, rank1 = samples(work, 0), samples(work, 1)
    # 8 samples per epoch split over 2 ranks, batch 2: 2 iterations each
    assert len(rank0) == 4 and len(rank1) == 4
    assert rank0 != rank1  # each rank draws its own stream
    assert set(rank0) != set(rank1)

    ckpts = sorted(glob.glob(str(work / '*.pth')))
    assert [osp.basename(p) for p in ckpts] == ['epoch_1.pth']
    assert load_checkpoint_file(ckpts[0])['meta']['epoch'] == 1

    log = dist_train(work, data, 2, '--resume')
    assert 'resumed epoch: 1' in log, log[-3000:]
    assert osp.isfile(work / 'epoch_2.pth')
    epochs0 = {json.loads(s[0]) for s in samples(work, 0)}
    assert epochs0 == {0, 1}  # epoch 0 once, then only epoch 1 after resume
    assert len(samples(work, 0)) == 8
