"""The user-facing errors of stark_plugin, and the CLI wrapper that turns
them into one ``error: ...`` line.

Every error here is caused by input (a file, a box, an argument, the
installed stack), never by a bug: its message names what is wrong and
where. The command-line tools run their ``main`` through :func:`run_cli`,
which prints such an error as one line on stderr and exits non-zero;
``STARK_DEBUG=1`` shows the traceback instead.
"""
import os
import pickle
import sys
from typing import Callable, List, Optional, Sequence

DEBUG_ENV = 'STARK_DEBUG'


class InputError(ValueError):
    """Bad user input (file, box, argument); the message says what/where."""


class AnnotationError(InputError):
    """A malformed annotation file (the message names file and line)."""


class DependencyError(ImportError):
    """A pinned dependency is missing, has the wrong version or lacks ops."""


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint needs a pickled type outside the allow-list."""


class UntrustedConfigError(ValueError):
    """A config stored in a checkpoint holds more than plain data (code)."""


class CorruptCheckpointError(RuntimeError):
    """A checkpoint file is truncated or damaged and cannot be loaded."""


class UnknownCheckpointFormatError(ValueError):
    """A file that holds no STARK checkpoint of a known format."""


class UnknownKeysError(KeyError):
    """Keys of a source checkpoint that no conversion rule maps."""

    def __init__(self, keys: List[str], source: str) -> None:
        self.keys = keys
        shown = ', '.join(keys[:10])
        more = f' (and {len(keys) - 10} more)' if len(keys) > 10 else ''
        super().__init__(f'{len(keys)} unknown key(s) in the {source} '
                         f'checkpoint: {shown}{more}')

    def __str__(self) -> str:
        return self.args[0]


class CheckpointMismatchError(RuntimeError):
    """A checkpoint whose keys or shapes do not fit the model."""


class NoConfigError(FileNotFoundError):
    """No config can be told for a checkpoint: the user must pass one."""


#: errors caused by bad input: a CLI reports them as one line
USER_ERRORS = (FileNotFoundError, NotADirectoryError, InputError,
               AnnotationError, DependencyError, UnsafeCheckpointError,
               UntrustedConfigError, CorruptCheckpointError,
               UnknownCheckpointFormatError, UnknownKeysError,
               CheckpointMismatchError)


def error_message(err: BaseException) -> str:
    """The one-line text of a user error (a KeyError's without quotes)."""
    if isinstance(err, KeyError) and err.args:
        return str(err.args[0])
    return str(err)


def run_cli(main: Callable[[Optional[Sequence[str]]], int],
            argv: Optional[Sequence[str]] = None,
            exit_code: int = 1) -> int:
    """Run ``main(argv)``; a user error prints ``error: ...`` and returns
    ``exit_code``. ``STARK_DEBUG=1`` re-raises it with its traceback."""
    try:
        return main(argv)
    except USER_ERRORS as err:
        if os.environ.get(DEBUG_ENV, '0') == '1':
            raise
        print(f'error: {error_message(err)}', file=sys.stderr)
        return exit_code
