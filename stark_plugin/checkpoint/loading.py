"""Loading checkpoints into models: strictly (``init_model``, the test
loop), and through mmengine's loader (``load_from``, ``--resume``,
``init_cfg``) once :func:`install_checkpoint_loader` ran (it is part of
``stark_plugin.setup_env.register_all_modules``)."""
from typing import Optional, Sequence, Union

import torch
from mmengine.logging import print_log
from mmengine.runner.checkpoint import CheckpointLoader

from ..errors import CheckpointMismatchError
from .formats import (StarkCheckpoint, load_for_runner, model_name,
                      read_stark_checkpoint)

__all__ = ['load_stark_checkpoint', 'install_checkpoint_loader']


def _first(keys: Sequence[str], n: int = 10) -> str:
    more = f' ... ({len(keys)} in all)' if len(keys) > n else ''
    return ', '.join(list(keys)[:n]) + more


def _checkpoint_model_mismatch(model: torch.nn.Module, ckpt,
                               checkpoint: str) -> Optional[str]:
    """One line when ``ckpt`` holds another STARK model than ``model``
    (S50 weights with an ST config, R101 with R50, ...), else None."""
    stark_keys = ('head.transformer.', 'head.encoder.')
    own, theirs = model.state_dict(), ckpt.state_dict
    if not (any(k.startswith(stark_keys) for k in own)
            and any(k.startswith(stark_keys) for k in theirs)):
        return None  # not two STARK models: the key check names the keys
    want, have = model_name(own), ckpt.model_name()
    if want == have:
        return None
    cfg = getattr(model, 'cfg', None)
    config = getattr(cfg, 'filename', None) or 'the config'
    hint = ''
    own_cls = any(k.startswith('head.cls_head.') for k in own)
    their_cls = any(k.startswith('head.cls_head.') for k in theirs)
    if own_cls != their_cls:
        hint = ('; the checkpoint has no score head (head.cls_head.*)'
                if own_cls else '; the config has no score head '
                '(head.cls_head.*)')
    return (f'{checkpoint} holds {have} weights ({ckpt.format} format) but '
            f'{config} builds {want}{hint}')


def load_stark_checkpoint(model: torch.nn.Module,
                          checkpoint: Union[str, 'StarkCheckpoint'],
                          map_location: str = 'cpu') -> dict:
    """Strictly load a STARK checkpoint of any known format into ``model``.

    Accepts this package's files (converted files and Runner checkpoints,
    ``state_dict`` + ``meta``), official researchmm/Stark ``.pth.tar`` and
    mmtracking 0.x checkpoints: the format is detected from the content,
    converted in memory and one line says so. Prefixes listed in
    ``meta['missing_prefixes']`` (the score head of an mmtracking stage-1
    checkpoint) may be absent.

    Args:
        checkpoint: a path, or a checkpoint already read by
            :func:`read_stark_checkpoint`.

    Raises:
        FileNotFoundError: no such file.
        UnknownCheckpointFormatError: a file of no known format.
        CheckpointMismatchError: the checkpoint holds another model than
            the config builds, or missing / unexpected keys or shape
            mismatches, listing the first ones.
    """
    if isinstance(checkpoint, str):
        ckpt = read_stark_checkpoint(checkpoint, map_location=map_location)
        name = checkpoint
    else:
        ckpt = checkpoint
        name = ckpt.path
    if ckpt.format != 'stark_plugin':
        print_log(f'{name}: {ckpt.describe()}, converted in memory',
                  logger='current')
    mismatch = _checkpoint_model_mismatch(model, ckpt, name)
    if mismatch:
        raise CheckpointMismatchError(mismatch)
    state_dict, meta = ckpt.state_dict, ckpt.meta
    own = model.state_dict()
    shape_errors = [
        f'{k}: checkpoint {tuple(v.shape)} vs model {tuple(own[k].shape)}'
        for k, v in state_dict.items()
        if k in own and hasattr(v, 'shape') and v.shape != own[k].shape
    ]
    if shape_errors:
        raise CheckpointMismatchError(
            f'{name}: {len(shape_errors)} shape mismatch(es): '
            f'{_first(shape_errors, 5)}')
    result = model.load_state_dict(state_dict, strict=False)
    allowed = tuple(meta.get('missing_prefixes', ()))
    missing = [k for k in result.missing_keys
               if not (allowed and k.startswith(allowed))]
    unexpected = list(result.unexpected_keys)
    if missing or unexpected:
        parts = []
        if missing:
            parts.append(f'{len(missing)} missing key(s): {_first(missing)}')
        if unexpected:
            parts.append(f'{len(unexpected)} unexpected key(s): '
                         f'{_first(unexpected)}')
        raise CheckpointMismatchError(
            f'{name} does not fit the model: ' + '; '.join(parts))
    return meta


_installed = False


def install_checkpoint_loader() -> None:
    """Make mmengine read local checkpoint files with
    :func:`~stark_plugin.checkpoint.formats.load_for_runner`: the pickle
    allow-list, the damage check, and official / mmtracking STARK files
    converted in memory (so ``load_from`` takes them as they are).

    Affects ``load_checkpoint``, ``Runner.load_checkpoint`` and ``resume``
    in this process. Idempotent.
    """
    global _installed
    if _installed:
        return
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_for_runner, force=True)
    _installed = True
