"""Command-line entry points: user errors as one clear line, exit code 1."""
import os
import sys
from typing import Callable, Optional, Sequence, Tuple, Type

DEBUG_ENV = 'STARK_DEBUG'


def user_error_types() -> Tuple[Type[BaseException], ...]:
    """Errors caused by bad input (files, annotations, checkpoints)."""
    from stark_plugin.apis.inference import CheckpointMismatchError
    from stark_plugin.datasets.io import AnnotationError
    from stark_plugin.models.checkpoint_converters import UnknownKeysError
    from stark_plugin.models.checkpoint_formats import \
        UnknownCheckpointFormatError
    from stark_plugin.utils.checkpoint import (CorruptCheckpointError,
                                               UnsafeCheckpointError)
    from stark_plugin.utils.version_check import DependencyError
    return (FileNotFoundError, NotADirectoryError, CheckpointMismatchError,
            AnnotationError, UnsafeCheckpointError, CorruptCheckpointError,
            DependencyError, UnknownCheckpointFormatError, UnknownKeysError)


def run_cli(main: Callable[[Optional[Sequence[str]]], int],
            argv: Optional[Sequence[str]] = None) -> int:
    """Run ``main(argv)``; a user error prints ``error: ...`` and returns 1.

    Set ``STARK_DEBUG=1`` to get the full traceback instead.
    """
    try:
        return main(argv)
    except user_error_types() as err:
        if os.environ.get(DEBUG_ENV, '0') == '1':
            raise
        message = err.args[0] if isinstance(err, KeyError) and err.args \
            else str(err)
        print(f'error: {message}', file=sys.stderr)
        return 1
