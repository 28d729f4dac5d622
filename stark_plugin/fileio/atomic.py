"""Atomic file output: write to a temp file beside the target, then rename.

A reader (or a rerun of an interrupted job) never sees a half-written file
under the final name. Whole files go through :func:`atomic_path`; streams
(a video, a results file written frame by frame) through
:class:`AtomicOutput`, which writes ``name.partial.ext`` and renames it
when the stream is complete.
"""
import contextlib
import json
import os
import os.path as osp
import tempfile
from typing import Any, Iterator, Optional

from ..errors import InputError


@contextlib.contextmanager
def atomic_path(path: str, suffix: str = '.tmp') -> Iterator[str]:
    """Yield a temp path in ``path``'s folder; on success it replaces
    ``path``, on any error it is removed. Creates the folder if needed."""
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix='.tmp_', suffix=suffix)
    os.close(fd)
    try:
        yield tmp
        # mkstemp makes the file private; give it the usual permissions
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise


def atomic_write_text(path: str, text: str) -> None:
    """Write ``text`` (``\\n`` line ends) to ``path`` atomically."""
    with atomic_path(path) as tmp:
        with open(tmp, 'w', newline='\n') as f:
            f.write(text)


def atomic_write_json(path: str, data: Any, indent: int = 2) -> None:
    """Dump ``data`` as JSON to ``path`` atomically."""
    with atomic_path(path, suffix='.json') as tmp:
        with open(tmp, 'w') as f:
            json.dump(data, f, indent=indent)


def partial_path(path: str) -> str:
    """``out.mp4`` -> ``out.partial.mp4`` (same folder, same extension so
    that OpenCV picks the same container)."""
    stem, ext = osp.splitext(path)
    return f'{stem}.partial{ext}'


def check_output_path(path: str, what: str = 'output') -> None:
    """The folder of ``path`` must exist and ``path`` must not be a
    folder."""
    folder = osp.dirname(osp.abspath(path))
    if not osp.isdir(folder):
        raise InputError(f'{what} folder does not exist: {folder} '
                         f'(for {path})')
    if osp.isdir(path):
        raise InputError(f'{what} path is a folder: {path}')


class AtomicOutput:
    """Base of outputs written to ``*.partial*`` and renamed at the end.

    ``commit()`` renames the temp file onto the target; ``abort(keep)``
    removes it (``keep=False``) or leaves it named ``.partial``.
    """

    def __init__(self, path: str) -> None:
        check_output_path(path)
        self.path = path
        self.tmp_path = partial_path(path)
        self.done = False

    def _close(self) -> None:
        raise NotImplementedError

    def commit(self) -> None:
        self._close()
        os.replace(self.tmp_path, self.path)
        self.done = True

    def abort(self, keep: bool = False) -> Optional[str]:
        """Close; remove the temp file unless ``keep``; returns the path
        that was kept, if any."""
        if self.done:
            return None
        self._close()
        self.done = True
        if osp.exists(self.tmp_path):
            if keep:
                return self.tmp_path
            os.remove(self.tmp_path)
        return None
