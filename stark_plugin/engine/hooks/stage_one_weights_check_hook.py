"""Check that a STARK stage-2 run starts from stage-1 weights."""
import logging
import os.path as osp
import warnings
from typing import Dict, List, Optional, Sequence

import torch
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.runner.checkpoint import find_latest_checkpoint

from stark_plugin.checkpoint.formats import load_for_runner
from stark_plugin.checkpoint.converters.rules import strip_module
from stark_plugin.registry import HOOKS

__all__ = ['StageOneWeightsCheckHook', 'StageOneWeightsWarning',
           'compare_with_checkpoint']


class StageOneWeightsWarning(UserWarning):
    """Stage 2 does not start from the weights of a stage-1 checkpoint."""


def compare_with_checkpoint(model: torch.nn.Module,
                            state_dict: Dict[str, torch.Tensor],
                            prefixes: Sequence[str]) -> Dict[str, List[str]]:
    """Sort the model entries under ``prefixes`` by how they relate to a
    checkpoint's ``state_dict``.

    Returns ``dict(missing=[...], shape=[...], different=[...],
    matched=[...])``: not in the checkpoint, of another shape, of other
    values (not loaded), equal to the checkpoint.
    """
    out = dict(missing=[], shape=[], different=[], matched=[])
    prefixes = tuple(p.rstrip('.') + '.' for p in prefixes)
    for name, value in model.state_dict().items():
        if not name.startswith(prefixes):
            continue
        ref = state_dict.get(name)
        if ref is None:
            out['missing'].append(name)
        elif tuple(ref.shape) != tuple(value.shape):
            out['shape'].append(name)
        elif not torch.equal(value.detach().cpu(), ref.detach().cpu().to(
                value.dtype)):
            out['different'].append(name)
        else:
            out['matched'].append(name)
    return out


def _banner(lines: Sequence[str]) -> str:
    bar = '!' * 78
    return '\n'.join([bar] + [f'!! {line}' for line in lines] + [bar])


@HOOKS.register_module()
class StageOneWeightsCheckHook(Hook):
    """Warn loudly when STARK-ST stage 2 does not start from stage 1.

    Stage 2 trains only the score head; the backbone, neck, transformer,
    query and box head stay as loaded. After the Runner has loaded
    ``load_from`` (or resumed), this hook compares every one of those
    frozen tensors with the checkpoint file, read by the same reader as
    the Runner's (so an official or mmtracking stage-1 file is compared in
    this package's layout). It warns (or, with
    ``strict=True``, raises) when ``load_from`` is None, or when a tensor
    is missing from the checkpoint, has another shape or was not loaded.
    It does nothing for models whose ``stage`` is not ``'st2'``.

    Args:
        modules: dotted module names to check; default: the model's
            ``frozen_modules`` (all but the score head in stage 2).
        strict: raise ``RuntimeError`` instead of warning.
    """

    priority = 'VERY_HIGH'

    def __init__(self, modules: Optional[Sequence[str]] = None,
                 strict: bool = False) -> None:
        self.modules = list(modules) if modules is not None else None
        self.strict = strict
        #: result of the last check (for tools and tests)
        self.report: Dict[str, object] = {}

    def _complain(self, lines: Sequence[str]) -> None:
        msg = _banner(lines)
        if self.strict:
            raise RuntimeError(msg)
        print_log(msg, logger='current', level=logging.WARNING)
        warnings.warn('\n' + msg, StageOneWeightsWarning, stacklevel=2)

    @staticmethod
    def _checkpoint_path(runner) -> Optional[str]:
        load_from = getattr(runner, '_load_from', None)
        if getattr(runner, '_resume', False) and load_from is None:
            return find_latest_checkpoint(runner.work_dir)
        return load_from

    def before_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) \
            else runner.model
        if getattr(model, 'stage', None) != 'st2':
            return
        modules = self.modules if self.modules is not None else list(
            getattr(model, 'frozen_modules', []))
        path = self._checkpoint_path(runner)
        self.report = dict(checkpoint=path, modules=modules)
        if path is None:
            self.report['status'] = 'no_checkpoint'
            self._complain([
                'STARK stage 2 without a stage-1 checkpoint (load_from is '
                'None).',
                'Stage 2 trains only the score head; the backbone, '
                'transformer and box head stay UNTRAINED.',
                'Give the stage-1 weights: --cfg-options load_from=ST1.pth'
            ])
            return
        if not osp.isfile(path):  # a URL or a missing file: cannot check
            self.report['status'] = 'unchecked'
            print_log(f'StageOneWeightsCheckHook: cannot read {path} to '
                      'check the stage-1 weights', logger='current',
                      level=logging.WARNING)
            return
        # the reader the Runner loaded it with: official and mmtracking
        # files come back converted to this package's keys
        ckpt = load_for_runner(path, map_location='cpu')
        state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) \
            else {}
        state = {
            k: v for k, v in strip_module(state).items()
            if isinstance(v, torch.Tensor)
        }
        result = compare_with_checkpoint(model, state, modules)
        self.report.update({k: len(v) for k, v in result.items()})
        bad = result['missing'] + result['shape'] + result['different']
        if not bad:
            self.report['status'] = 'ok'
            print_log(f'StageOneWeightsCheckHook: all {len(result["matched"])}'
                      f' tensors of {", ".join(modules)} come from {path}',
                      logger='current')
            return
        self.report['status'] = 'mismatch'
        total = len(bad) + len(result['matched'])
        lines = [
            f'{len(bad)} of {total} stage-1 tensors ({", ".join(modules)}) '
            f'were NOT loaded from {path}:'
        ]
        for kind, what in (('missing', 'missing from the checkpoint'),
                           ('shape', 'of another shape'),
                           ('different', 'not loaded')):
            if result[kind]:
                names = result[kind]
                more = f' (+{len(names) - 5} more)' if len(names) > 5 else ''
                lines.append(f'  {len(names)} {what}: '
                             f'{", ".join(names[:5])}{more}')
        lines.append('Is it a STARK stage-1 checkpoint of this model? Stage 2 '
                     'keeps these weights frozen as they are now.')
        self._complain(lines)
