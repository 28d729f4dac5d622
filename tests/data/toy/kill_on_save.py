"""Test helper: SIGKILL this process in the middle of a checkpoint write.

Imported through ``custom_imports`` of a config. When the environment
variable ``STARK_TEST_KILL_ON_SAVE`` is set to a file name (for example
``epoch_2.pth``), the first local write whose path contains it writes half
of its bytes, flushes them to disk and kills the process with SIGKILL: a
kill -9 at the worst moment of ``torch.save``.
"""
import os
import signal

from mmengine.fileio import LocalBackend

_put = LocalBackend.put


def _put_then_die(self, obj: bytes, filepath) -> None:
    target = os.environ.get('STARK_TEST_KILL_ON_SAVE')
    if target and target in os.path.basename(str(filepath)):
        with open(filepath, 'wb') as f:
            f.write(obj[:len(obj) // 2])
            f.flush()
            os.fsync(f.fileno())
        os.kill(os.getpid(), signal.SIGKILL)
    _put(self, obj, filepath)


LocalBackend.put = _put_then_die
