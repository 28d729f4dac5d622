import os
import stat

import pytest

from stark_plugin.fileio.atomic import (atomic_path, atomic_write_json,
                                   atomic_write_text)


def test_atomic_write_replaces_and_creates_folder(tmp_path):
    path = tmp_path / 'new' / 'out.txt'
    old_umask = os.umask(0o022)
    try:
        atomic_write_text(str(path), 'a\n')
        atomic_write_text(str(path), 'b\n')
    finally:
        os.umask(old_umask)
    assert path.read_text() == 'b\n'
    assert os.listdir(path.parent) == ['out.txt']  # no temp files left
    # a normal file, not the private mode of the temp file
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644


def test_failed_write_keeps_old_file_and_removes_temp(tmp_path):
    path = tmp_path / 'out.json'
    atomic_write_json(str(path), {'done': True})
    with pytest.raises(RuntimeError):
        with atomic_path(str(path)) as tmp:
            with open(tmp, 'w') as f:
                f.write('{"half": ')
            raise RuntimeError('interrupted')
    assert path.read_text().startswith('{')
    assert '"done": true' in path.read_text()
    assert os.listdir(tmp_path) == ['out.json']
