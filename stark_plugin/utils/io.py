"""Atomic file output: write to a temp file beside the target, then rename.

A reader (or a rerun of an interrupted job) never sees a half-written file
under the final name.
"""
import contextlib
import json
import os
import os.path as osp
import tempfile
from typing import Any, Iterator


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
