"""tools/train.py runs a config end to end and --resume continues it."""
import glob
import json
import os
import os.path as osp

import torch
from stark_plugin.testing.tool_process import run_tool

from stark_plugin.checkpoint.safe_load import load_checkpoint_file

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOY_DIR = osp.join(REPO, 'tests', 'data', 'toy')
CONFIG = osp.join(TOY_DIR, 'toy_config.py')


def run_train(config, work_dir, *extra, **env_extra):
    """``tools/train.py config --work-dir work_dir *extra`` with the toy
    modules importable and ``env_extra`` in the environment (two runs of
    one work dir never share a log folder: the tool starts a run in a
    second no earlier run's folder is named after)."""
    env = dict(os.environ, **env_extra)
    env['PYTHONPATH'] = os.pathsep.join(
        [TOY_DIR, REPO, env.get('PYTHONPATH', '')])
    cmd = [osp.join(REPO, 'tools', 'train.py'), config,
           '--work-dir', str(work_dir), *extra]
    return run_tool(cmd, env=env, timeout=300)


def _train(work_dir, *extra):
    proc = run_train(CONFIG, work_dir, *extra)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


def _logged_epochs(work_dir):
    """Epochs of the training log lines of the latest run in work_dir."""
    runs = sorted(glob.glob(osp.join(str(work_dir), '*', 'vis_data',
                                     'scalars.json')))
    epochs = set()
    with open(runs[-1]) as f:
        for line in f:
            record = json.loads(line)
            if 'loss' in record:
                epochs.add(record['epoch'])
    return epochs


def test_train_then_resume_continues(tmp_path):
    work_dir = tmp_path / 'work'
    _train(work_dir)
    assert osp.isfile(work_dir / 'epoch_2.pth')
    assert _logged_epochs(work_dir) == {1, 2}
    ckpt2 = load_checkpoint_file(str(work_dir / 'epoch_2.pth'))
    assert ckpt2['meta']['epoch'] == 2

    # Auto-resume from the work dir: continues at epoch 3, not from scratch.
    proc = _train(work_dir, '--resume',
                  '--cfg-options', 'train_cfg.max_epochs=3')
    log = proc.stdout + proc.stderr
    assert 'resumed epoch: 2' in log, log[-3000:]
    assert _logged_epochs(work_dir) == {3}
    ckpt3 = load_checkpoint_file(str(work_dir / 'epoch_3.pth'))
    assert ckpt3['meta']['epoch'] == 3
    # Training went on from the epoch-2 weights.
    assert not torch.equal(ckpt3['state_dict']['linear.weight'],
                           ckpt2['state_dict']['linear.weight'])


def test_resume_from_explicit_path(tmp_path):
    first = tmp_path / 'first'
    _train(first)
    second = tmp_path / 'second'
    proc = _train(second, '--resume', str(first / 'epoch_2.pth'),
                  '--cfg-options', 'train_cfg.max_epochs=3')
    assert 'resumed epoch: 2' in proc.stdout + proc.stderr
    assert osp.isfile(second / 'epoch_3.pth')
    assert not osp.exists(second / 'epoch_1.pth')


def test_missing_resume_checkpoint_fails_clearly(tmp_path):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([TOY_DIR, REPO]))
    proc = run_tool(
        [osp.join(REPO, 'tools', 'train.py'), CONFIG,
         '--work-dir', str(tmp_path), '--resume', str(tmp_path / 'x.pth')],
        env=env, timeout=300)
    assert proc.returncode != 0
    assert 'x.pth' in proc.stderr


def test_resume_a_run_saved_with_one_group_per_parameter(tmp_path):
    """A checkpoint whose optimizer has mmengine's one group per parameter
    resumes under GroupedOptimWrapperConstructor (one merged group) and
    continues exactly as the run would have: the momentum is carried."""
    paramwise = ['optim_wrapper.paramwise_cfg.custom_keys.linear.lr_mult=1']
    per_parameter = paramwise + ['optim_wrapper.constructor='
                                 'DefaultOptimWrapperConstructor']
    grouped = paramwise + ['optim_wrapper.constructor='
                           'GroupedOptimWrapperConstructor']
    _train(tmp_path / 'whole', '--cfg-options', 'train_cfg.max_epochs=3',
           *per_parameter)
    _train(tmp_path / 'cut', '--cfg-options', *per_parameter)
    saved = load_checkpoint_file(str(tmp_path / 'cut' / 'epoch_2.pth'))
    assert len(saved['optimizer']['param_groups']) == 2
    _train(tmp_path / 'cut', '--resume', '--cfg-options',
           'train_cfg.max_epochs=3', *grouped)
    resumed = load_checkpoint_file(str(tmp_path / 'cut' / 'epoch_3.pth'))
    whole = load_checkpoint_file(str(tmp_path / 'whole' / 'epoch_3.pth'))
    assert len(resumed['optimizer']['param_groups']) == 1
    for key, value in whole['state_dict'].items():
        assert torch.equal(resumed['state_dict'][key], value), key
