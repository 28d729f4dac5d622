"""Safe checkpoint loading on torch >= 2.6 (``weights_only=True``).

mmengine 0.10.7 calls ``torch.load`` without ``weights_only``; on current
torch that refuses the few non-tensor objects mmengine and numpy put into
Runner checkpoints (``HistoryBuffer`` of the message hub, numpy arrays and
scalars). Instead of turning the check off, :func:`load_checkpoint_file`
allow-lists exactly those types (mmengine's loader uses it once
:func:`stark_plugin.checkpoint.install_checkpoint_loader` ran). A file
that needs anything else fails with :class:`UnsafeCheckpointError` naming
the types; a user who trusts the file
opts in with the ``STARK_TRUSTED_CHECKPOINTS`` environment variable (paths
or folders, separated by ``os.pathsep``) or :func:`trust_checkpoint`.

Before unpickling, a file is checked for damage (the zip directory of
torch's format and the CRC-32 of every record: :func:`check_checkpoint_file`),
so that a truncated or corrupt file fails with
:class:`CorruptCheckpointError`, one line naming the file, instead of a
pickle or zip traceback or silently wrong weights.
:func:`check_last_checkpoint` checks the ``last_checkpoint`` record that an
auto-resume follows.
"""
import os
import os.path as osp
import pickle
import struct
import zipfile
import zlib
from typing import Any, List, Optional, Set

import numpy as np
import torch

from ..errors import CorruptCheckpointError, UnsafeCheckpointError

TRUST_ENV = 'STARK_TRUSTED_CHECKPOINTS'
_trusted: Set[str] = set()


# torch.save's default format is a zip archive (torch >= 1.6)
_ZIP_MAGIC = b'PK\x03\x04'
_CHUNK = 1 << 22
# what zipfile raises on a damaged archive (bad offsets, flags, lengths)
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError,
               RuntimeError, ValueError, OverflowError, struct.error, OSError)
# what torch.load raises on damage that the zip check cannot see (a legacy
# non-zip file, or records saved without CRC-32)
_LOAD_ERRORS = (EOFError, UnicodeDecodeError, IndexError, KeyError,
                struct.error, zipfile.BadZipFile)
_DAMAGE_MESSAGES = ('PytorchStreamReader', 'corrupt', 'unexpected EOF',
                    'pickle data was truncated', 'invalid load key')


def _corrupt(filename: str, detail: str) -> CorruptCheckpointError:
    size = osp.getsize(filename) if osp.isfile(filename) else 0
    detail = (detail.strip().splitlines() or [''])[0]
    return CorruptCheckpointError(
        f'checkpoint {filename} is truncated or corrupt ({size} bytes, '
        f'{detail}); it cannot be loaded: copy it again or use an earlier '
        f'checkpoint (for training: --resume PATH)')


def check_checkpoint_file(filename: str) -> None:
    """Raise :class:`CorruptCheckpointError` if ``filename`` is damaged.

    Checks that the file is not empty and, for torch's zip format, that
    the zip directory is readable and every record matches its CRC-32
    (records saved without one, CRC 0, are skipped). Reads the whole file
    once; a legacy (non-zip) file is only checked for being empty.
    """
    if osp.getsize(filename) == 0:
        raise _corrupt(filename, 'the file is empty')
    with open(filename, 'rb') as f:
        if f.read(len(_ZIP_MAGIC)) != _ZIP_MAGIC:
            if zipfile.is_zipfile(filename):  # a zip with a broken start
                raise _corrupt(filename, 'the zip header at its start is '
                               'damaged')
            return
    name = None
    try:
        with zipfile.ZipFile(filename) as archive:
            for info in archive.infolist():
                if info.CRC == 0:  # saved without CRC-32
                    continue
                name = info.filename
                with archive.open(info) as record:
                    while record.read(_CHUNK):
                        pass
    except _ZIP_ERRORS as err:
        if name is None:
            detail = 'the zip directory at its end is missing or damaged'
            if str(err) != 'File is not a zip file':
                detail += f': {err}'
        else:
            detail = f'record {name} is damaged: {err}'
        raise _corrupt(filename, detail) from err


def check_last_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint named by ``work_dir/last_checkpoint``, if any.

    Raises ``FileNotFoundError`` (naming both files) when that record is
    empty or names a local file that does not exist; returns None when
    there is no record. The named file itself is checked when it is loaded.
    """
    record = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(record):
        return None
    with open(record) as f:
        path = f.read().strip()
    if not path:
        raise FileNotFoundError(
            f'{record} is empty (a write cut short?): resume from a '
            f'checkpoint file with --resume PATH, or delete {record}')
    if '://' not in path and not osp.isfile(path):
        raise FileNotFoundError(
            f'{record} names the checkpoint {path}, which does not exist: '
            f'resume from another checkpoint with --resume PATH, or delete '
            f'{record}')
    return path


def _numpy_globals() -> List[Any]:
    # numpy 2 pickles arrays through numpy._core; numpy 1 through numpy.core.
    core = getattr(np, '_core', None) or np.core
    found = [np.ndarray, np.dtype, core.multiarray._reconstruct,
             core.multiarray.scalar]
    # dtype classes such as numpy.dtypes.Float64DType (numpy >= 1.25).
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        found += [getattr(dtypes, name) for name in dir(dtypes)
                  if name.endswith('DType')]
    return found


def _history_buffer_getattr(obj: Any, name: str) -> Any:
    """``getattr`` restricted to what a pickled ``HistoryBuffer`` needs.

    A HistoryBuffer pickles its statistics methods as
    ``getattr(HistoryBuffer, 'mean')``; anything else through
    ``builtins.getattr`` is refused.
    """
    from mmengine.logging.history_buffer import HistoryBuffer
    is_buffer = obj is HistoryBuffer or isinstance(obj, HistoryBuffer)
    if is_buffer and not name.startswith('_') and \
            callable(getattr(HistoryBuffer, name, None)):
        return getattr(obj, name)
    raise pickle.UnpicklingError(
        f'getattr({type(obj).__name__}, {name!r}) is not allowed in a '
        f'checkpoint (only HistoryBuffer statistics methods are)')


def safe_checkpoint_globals() -> List[Any]:
    """The types allowed inside checkpoints besides tensors and containers."""
    from mmengine.logging.history_buffer import HistoryBuffer
    return [HistoryBuffer, (_history_buffer_getattr, 'builtins.getattr')
            ] + _numpy_globals()


def _is_trusted(filename: str) -> bool:
    path = osp.realpath(filename)
    entries = set(_trusted)
    entries.update(p for p in os.environ.get(TRUST_ENV, '').split(os.pathsep)
                   if p)
    for entry in entries:
        entry = osp.realpath(osp.expanduser(entry))
        if path == entry or path.startswith(entry.rstrip(os.sep) + os.sep):
            return True
    return False


def trust_checkpoint(path: str) -> None:
    """Allow full unpickling of ``path`` (a file or a folder) in this process.

    Only do this for files from a source you trust: unpickling can run code.
    """
    _trusted.add(osp.realpath(osp.expanduser(path)))


def _unsafe_globals(filename: str) -> List[str]:
    try:
        return list(
            torch.serialization.get_unsafe_globals_in_checkpoint(filename))
    except Exception:  # legacy (non-zip) files cannot be scanned
        return []


def load_checkpoint_file(filename: str,
                         map_location: Optional[Any] = None) -> Any:
    """``torch.load`` a local file with the allow-list of this module.

    Raises:
        FileNotFoundError: no such file.
        CorruptCheckpointError: the file is truncated or damaged.
        UnsafeCheckpointError: it needs types outside the allow-list.
    """
    if not filename:
        raise FileNotFoundError('checkpoint file name is empty')
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint file not found: {filename}')
    check_checkpoint_file(filename)
    try:
        return _load(filename, map_location)
    except UnsafeCheckpointError:
        raise
    except _LOAD_ERRORS as err:
        raise _corrupt(filename, f'{type(err).__name__}: {err}') from err
    except (RuntimeError, pickle.UnpicklingError) as err:
        if any(m in str(err) for m in _DAMAGE_MESSAGES):
            raise _corrupt(filename, str(err)) from err
        raise


def _load(filename: str, map_location: Optional[Any]) -> Any:
    """``torch.load``: full unpickling if trusted, else the allow-list."""
    if _is_trusted(filename):
        return torch.load(
            filename, map_location=map_location, weights_only=False)
    with torch.serialization.safe_globals(safe_checkpoint_globals()):
        try:
            return torch.load(
                filename, map_location=map_location, weights_only=True)
        except pickle.UnpicklingError as err:
            names = [
                n for n in _unsafe_globals(filename)
                if n not in _allowed_names()
            ]
            what = ', '.join(names) if names else str(err).splitlines()[0]
            raise UnsafeCheckpointError(
                f'refusing to load checkpoint {filename}: it contains '
                f'pickled objects of type(s) {what}, which are not in '
                f"stark_plugin's allow-list (tensors, containers, numpy "
                f'arrays/scalars, mmengine HistoryBuffer). If you trust this '
                f'file, opt in with {TRUST_ENV}={filename} (paths or folders, '
                f'separated by "{os.pathsep}") or call '
                f'stark_plugin.checkpoint.trust_checkpoint(path) (official '
                f'STARK .pth.tar and mmtracking checkpoints need neither: '
                f'they load as they are).'
            ) from None


def _allowed_names() -> Set[str]:
    names = set()
    for obj in safe_checkpoint_globals():
        if isinstance(obj, tuple):
            names.add(obj[1])
        else:
            names.add(f'{obj.__module__}.{obj.__qualname__}')
    return names
