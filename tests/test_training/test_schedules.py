"""The published STARK schedules, as built from the real configs."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import PARAM_SCHEDULERS

CONFIG_DIR = osp.join(osp.dirname(__file__), '..', '..', 'configs', 'sot',
                      'stark')

ST1 = ['stark_st1_r50_500e_got10k.py', 'stark_st1_r50_500e_lasot.py',
       'stark_st1_r50_500e_trackingnet.py', 'stark_st1_r101_500e_got10k.py',
       'stark_st1_r101_500e_lasot.py', 'stark_st1_r101_500e_trackingnet.py',
       'stark_s_r50_500e_got10k.py', 'stark_s_r50_500e_lasot.py']
ST2 = ['stark_st2_r50_50e_got10k.py', 'stark_st2_r50_50e_lasot.py',
       'stark_st2_r50_50e_trackingnet.py', 'stark_st2_r101_50e_got10k.py',
       'stark_st2_r101_50e_lasot.py', 'stark_st2_r101_50e_trackingnet.py']


def _cfg(name: str) -> Config:
    return Config.fromfile(osp.join(CONFIG_DIR, name))


@pytest.mark.parametrize('name', ST1 + ST2)
def test_published_optimizer_and_schedule(name):
    cfg = _cfg(name)
    stage2 = name in ST2
    wrapper = cfg.optim_wrapper
    assert wrapper.type == 'OptimWrapper'
    assert wrapper.optimizer == dict(type='AdamW', lr=1e-4,
                                     weight_decay=1e-4)
    assert wrapper.paramwise_cfg.custom_keys == {
        'backbone': dict(lr_mult=0.1)
    }
    assert wrapper.clip_grad.max_norm == 0.1
    assert cfg.train_cfg.type == 'EpochBasedTrainLoop'
    assert cfg.train_cfg.max_epochs == (50 if stage2 else 500)
    (sched, ) = cfg.param_scheduler
    assert sched.type == 'MultiStepLR' and sched.by_epoch
    assert sched.milestones == ([40] if stage2 else [400])
    assert sched.gamma == 0.1
    assert cfg.auto_scale_lr == dict(enable=False, base_batch_size=128)
    assert cfg.train_dataloader.batch_size == 16
    assert cfg.train_dataloader.sampler.samples_per_epoch == 60000
    assert cfg.test_cfg.type == 'SOTTestLoop'
    expected_stage = 'st2' if stage2 else ('s' if 'stark_s_' in name
                                           else 'st1')
    assert cfg.model.train_cfg.stage == expected_stage
    hooks = [h['type'] for h in cfg.get('custom_hooks', [])]
    assert ('StageOneWeightsCheckHook' in hooks) == stage2


@pytest.mark.parametrize('name', ['stark_st1_r50_500e_got10k.py',
                                  'stark_st2_r50_50e_got10k.py'])
def test_built_optimizer_groups_and_lr_drop(name):
    """Backbone parameters get lr 1e-5, the rest 1e-4, all wd 1e-4; the
    built scheduler drops the lr x0.1 exactly at the published epoch."""
    from stark_plugin.registry import MODELS
    from stark_plugin.setup_env import register_all_modules
    register_all_modules()
    cfg = _cfg(name)
    model = MODELS.build(cfg.model)  # random weights: no download
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    optimizer = optim_wrapper.optimizer
    assert isinstance(optimizer, torch.optim.AdamW)
    lr_of = {}
    for group in optimizer.param_groups:
        for p in group['params']:
            lr_of[id(p)] = (group['lr'], group['weight_decay'])
    named = dict(model.named_parameters())
    trainable = {n for n, p in named.items() if p.requires_grad}
    assert trainable
    for n in trainable:
        lr, wd = lr_of[id(named[n])]
        assert lr == pytest.approx(1e-5 if n.startswith('backbone.')
                                   else 1e-4), n
        assert wd == pytest.approx(1e-4), n
    assert optim_wrapper.clip_grad_kwargs['max_norm'] == 0.1

    (sched_cfg, ) = cfg.param_scheduler
    scheduler = PARAM_SCHEDULERS.build(
        dict(sched_cfg, optimizer=optim_wrapper))
    drop = sched_cfg.milestones[0]
    group = next(g for g in optimizer.param_groups
                 if g['lr'] == pytest.approx(1e-4))
    for epoch in range(cfg.train_cfg.max_epochs):
        expected = 1e-4 if epoch < drop else 1e-5
        assert group['lr'] == pytest.approx(expected), epoch
        scheduler.step()
