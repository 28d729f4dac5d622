"""Merged optimizer param groups: the same per-parameter options and the
same updates as mmengine's one group per parameter, and resuming a state
saved in that layout."""
import copy

import pytest
import torch
import torch.nn as nn
from mmengine.optim import build_optim_wrapper

from stark_plugin.engine import (GroupedOptimWrapperConstructor,
                                 regroup_saved_optimizer)
from stark_plugin.setup_env import register_all_modules


class _Net(nn.Module):

    def __init__(self) -> None:
        super().__init__()
        self.backbone = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4),
                                      nn.Conv2d(4, 4, 1))
        self.head = nn.Sequential(nn.Linear(4, 4), nn.Linear(4, 2))
        self.frozen = nn.Linear(2, 2)
        self.frozen.requires_grad_(False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.backbone(x).mean((2, 3)))


def _cfg(constructor: str, **paramwise) -> dict:
    return dict(
        type='OptimWrapper', constructor=constructor,
        optimizer=dict(type='AdamW', lr=1e-3, weight_decay=1e-4),
        paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=0.1)},
                           **paramwise),
        clip_grad=dict(max_norm=0.1))


def _options(optimizer) -> dict:
    return {id(p): {k: v for k, v in g.items() if k != 'params'}
            for g in optimizer.param_groups for p in g['params']}


def _steps(net, wrapper, n: int, seed: int) -> None:
    g = torch.Generator().manual_seed(seed)
    for _ in range(n):
        loss = net(torch.randn(2, 3, 8, 8, generator=g)).square().sum()
        wrapper.update_params(loss)


@pytest.fixture(autouse=True)
def scope():
    register_all_modules(init_default_scope=True)


@pytest.mark.parametrize('paramwise', [{}, dict(norm_decay_mult=0.0,
                                                bias_decay_mult=0.5)])
def test_same_options_fewer_groups(paramwise):
    net = _Net()
    default = build_optim_wrapper(
        net, _cfg('DefaultOptimWrapperConstructor', **paramwise))
    grouped = build_optim_wrapper(
        net, _cfg('GroupedOptimWrapperConstructor', **paramwise))
    params = [p for p in net.parameters() if p.requires_grad]
    # mmengine adds the trainable parameters in named_parameters() order,
    # one group each (what regroup_saved_optimizer relies on)
    assert [g['params'] for g in default.optimizer.param_groups] == \
        [[p] for p in params]
    assert _options(grouped.optimizer) == _options(default.optimizer)
    distinct = {repr(sorted(o.items()))
                for o in _options(default.optimizer).values()}
    assert len(grouped.optimizer.param_groups) == len(distinct) < len(params)


def test_same_updates_and_resume_from_one_group_per_parameter():
    torch.manual_seed(0)
    net = _Net()
    a, b = net, copy.deepcopy(net)
    old = build_optim_wrapper(a, _cfg('DefaultOptimWrapperConstructor'))
    new = build_optim_wrapper(b, _cfg('GroupedOptimWrapperConstructor'))
    _steps(a, old, 3, seed=1)
    _steps(b, new, 3, seed=1)
    for pa, pb in zip(a.parameters(), b.parameters()):
        assert torch.equal(pa, pb)  # bit for bit
    # a state saved with one group per parameter resumes into merged
    # groups and continues exactly as the old layout does
    saved = copy.deepcopy(old.state_dict())
    c = copy.deepcopy(a)
    resumed = build_optim_wrapper(c, _cfg('GroupedOptimWrapperConstructor'))
    resumed.load_state_dict(
        regroup_saved_optimizer(saved, resumed.optimizer, c, 'old.pth'))
    _steps(a, old, 2, seed=2)
    _steps(c, resumed, 2, seed=2)
    for pa, pc in zip(a.parameters(), c.parameters()):
        assert torch.equal(pa, pc)
    # the merged layout itself passes through unchanged
    same = resumed.state_dict()
    assert regroup_saved_optimizer(same, resumed.optimizer, c, 'x') is same


def test_saved_options_that_no_longer_agree_are_refused():
    net = _Net()
    old = build_optim_wrapper(net, _cfg('DefaultOptimWrapperConstructor'))
    new = build_optim_wrapper(net, _cfg('GroupedOptimWrapperConstructor'))
    saved = copy.deepcopy(old.state_dict())
    saved['param_groups'][-1]['lr'] = 0.5  # this parameter's lr differed
    with pytest.raises(ValueError, match='old.pth.*DefaultOptimWrapper'):
        regroup_saved_optimizer(saved, new.optimizer, net, 'old.pth')


def test_registered_for_configs():
    from stark_plugin.registry import OPTIM_WRAPPER_CONSTRUCTORS
    assert OPTIM_WRAPPER_CONSTRUCTORS.get(
        'GroupedOptimWrapperConstructor') is GroupedOptimWrapperConstructor
