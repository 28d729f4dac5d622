"""Reading the official researchmm/Stark ``.pth.tar`` files.

Besides the state dict (``net``) they pickle objects of the official
``lib.*`` modules (training settings, statistics, the net constructor).
:func:`load_official_checkpoint` reads them with a restricted unpickler:
``lib.*`` globals become inert stubs (never imported, never run), tensors
and containers load, and any other global is refused.
"""
import io
import os.path as osp
import pickle
import re
from collections import OrderedDict
from typing import Any, Dict

import torch

from .safe_load import check_checkpoint_file

__all__ = ['load_official_checkpoint']


class _OfficialStub:
    """Placeholder for an object of the official code's ``lib.*`` modules."""

    def __init__(self, *args, **kwargs) -> None:
        self._args = args

    def __setstate__(self, state) -> None:
        self._state = state

    def __call__(self, *args, **kwargs) -> '_OfficialStub':
        return self


_TORCH_REBUILD = re.compile(r'^_rebuild_[a-z0-9_]+$')


def _allowed_global(module: str, name: str) -> bool:
    if module == 'collections' and name == 'OrderedDict':
        return True
    if module == 'torch._utils' and _TORCH_REBUILD.match(name):
        return True
    if module == 'torch._tensor' and name == '_rebuild_from_type_v2':
        return True
    if module == 'torch' and (name == 'Size' or name.endswith('Storage') or
                              isinstance(getattr(torch, name, None),
                                         torch.dtype)):
        return True
    if module == 'torch.storage' and name in ('UntypedStorage',
                                              'TypedStorage'):
        return True
    if module == 'copyreg' and name == '_reconstructor':
        return True
    if module == 'builtins' and name in ('object', 'set', 'frozenset',
                                         'slice', 'complex'):
        return True
    if module in ('numpy', 'numpy.core.multiarray',
                  'numpy._core.multiarray') and name in (
                      'ndarray', 'dtype', '_reconstruct', 'scalar'):
        return True
    return False


class _RestrictedUnpickler(pickle.Unpickler):
    """Loads tensors and containers; stubs classes of the official ``lib``
    package; refuses everything else."""

    stubbed: Dict[str, type] = {}

    def find_class(self, module: str, name: str) -> Any:
        if module == 'lib' or module.startswith('lib.'):
            qual = f'{module}.{name}'
            if qual not in self.stubbed:
                self.stubbed[qual] = type(name, (_OfficialStub, ),
                                          {'__module__': module})
            return self.stubbed[qual]
        if _allowed_global(module, name):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(
            f'refusing to unpickle global {module}.{name} from an official '
            f'STARK checkpoint (only tensors, containers and objects of the '
            f'official lib.* modules are expected)')


class _RestrictedPickleModule:
    """A ``pickle_module`` for ``torch.load`` using the restricted loader."""

    Unpickler = _RestrictedUnpickler
    UnpicklingError = pickle.UnpicklingError
    __name__ = 'stark_restricted_pickle'

    @staticmethod
    def load(file, **kwargs):
        return _RestrictedUnpickler(file, **kwargs).load()

    @staticmethod
    def loads(data, **kwargs):
        return _RestrictedUnpickler(io.BytesIO(data), **kwargs).load()


def load_official_checkpoint(path: str) -> 'OrderedDict[str, torch.Tensor]':
    """Read the ``net`` state dict of an official STARK ``.pth.tar``.

    Objects of the official code (``lib.*``: training settings, stats, net
    constructor) are replaced by inert stubs and dropped; any other
    non-tensor global is refused.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'checkpoint file not found: {path}')
    check_checkpoint_file(path)  # truncated / corrupt: one clear error
    ckpt = torch.load(
        path,
        map_location='cpu',
        pickle_module=_RestrictedPickleModule,
        weights_only=False)
    if not isinstance(ckpt, dict) or 'net' not in ckpt:
        keys = list(ckpt)[:10] if isinstance(ckpt, dict) else type(ckpt)
        raise KeyError(f'{path}: not an official STARK checkpoint (no "net" '
                       f'entry; found {keys})')
    return OrderedDict(ckpt['net'])
