"""Optimizer parameter groups: one per distinct set of options.

mmengine's ``DefaultOptimWrapperConstructor`` gives every parameter its own
param group as soon as ``paramwise_cfg`` is set (STARK's backbone lr x0.1
is such a setting): 191 groups for the tiny stage-1 config and 253 for
STARK-ST50 stage 1, where the official code has two (backbone, rest). PyTorch's
optimizers loop over groups in Python and, on CUDA, launch their
multi-tensor kernels once per group, so the optimizer step costs a fixed
overhead per parameter. :class:`GroupedOptimWrapperConstructor` builds the
same per-parameter options and then merges the parameters whose options
are equal into one group. No update changes: an optimizer updates each
parameter with its group's options only.

A checkpoint saved with one group per parameter still resumes:
:func:`regroup_saved_optimizer` maps its optimizer state onto the merged
groups (``ResumeGuardHook`` calls it when a checkpoint is loaded).
"""
from typing import Any, Dict, List, Optional, Tuple

import torch.nn as nn
from mmengine.model import is_model_wrapper
from mmengine.optim import DefaultOptimWrapperConstructor
from torch.optim import Optimizer

from stark_plugin.registry import OPTIM_WRAPPER_CONSTRUCTORS

__all__ = ['GroupedOptimWrapperConstructor', 'merge_param_groups',
           'regroup_saved_optimizer']


def _options_key(group: dict) -> Tuple:
    return tuple(sorted((k, repr(v)) for k, v in group.items()
                        if k != 'params'))


def merge_param_groups(groups: List[dict]) -> List[dict]:
    """Groups with equal options (everything but ``params``) merged, in
    the order of their first member; parameters keep their order."""
    merged: Dict[Tuple, dict] = {}
    for group in groups:
        key = _options_key(group)
        if key not in merged:
            merged[key] = dict(group, params=[])
        merged[key]['params'].extend(group['params'])
    return list(merged.values())


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class GroupedOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """``DefaultOptimWrapperConstructor`` (same ``paramwise_cfg`` rules)
    whose parameters with equal options share one param group."""

    def add_params(self, params: List[dict], module: nn.Module,
                   prefix: str = '',
                   is_dcn_module: Optional[Any] = None) -> None:
        if prefix:  # a submodule of the recursion below
            super().add_params(params, module, prefix, is_dcn_module)
            return
        per_parameter: List[dict] = []
        super().add_params(per_parameter, module, prefix, is_dcn_module)
        params.extend(merge_param_groups(per_parameter))


def regroup_saved_optimizer(saved: dict, optimizer: Optimizer,
                            model: nn.Module, source: str) -> dict:
    """``saved`` (an optimizer ``state_dict``) in the layout of
    ``optimizer`` when it was saved with one group per trainable parameter
    of ``model`` (in ``model.named_parameters()`` order, frozen ones
    skipped, as mmengine's constructor adds them) and ``optimizer`` merges
    groups; else ``saved`` unchanged.

    Raises:
        ValueError: the saved per-parameter groups that now share a group
            have different options (a config change, not a layout one).
    """
    groups = saved.get('param_groups') if isinstance(saved, dict) else None
    if not groups or len(groups) == len(optimizer.param_groups):
        return saved
    if is_model_wrapper(model):
        model = model.module
    order = [p for _, p in model.named_parameters() if p.requires_grad]
    if any(len(g['params']) != 1 for g in groups) or \
            len(groups) != len(order):
        return saved  # not the per-parameter layout: torch will say why
    old_index = {id(p): i for i, p in enumerate(order)}
    state = saved.get('state', {})
    new_groups, new_state = [], {}
    for group in optimizer.param_groups:
        members = [groups[old_index[id(p)]] for p in group['params']]
        options = {_options_key(m) for m in members}
        if len(options) > 1:
            raise ValueError(
                f'{source}: its optimizer has one param group per '
                f'parameter, with options that differ between parameters '
                f'that now share a group; resume it with '
                f'optim_wrapper.constructor=DefaultOptimWrapperConstructor')
        first = sum(len(g['params']) for g in new_groups)
        ids = list(range(first, first + len(members)))
        for new, member in zip(ids, members):
            if member['params'][0] in state:
                new_state[new] = state[member['params'][0]]
        new_groups.append(dict(members[0], params=ids))
    return dict(saved, state=new_state, param_groups=new_groups)
