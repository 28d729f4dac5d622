"""``python -m stark_plugin.vot``: the TraX tracker, or ``workspace`` to
write a toolkit workspace."""
import sys
from typing import Optional, Sequence

from .server import tracker_main
from .workspace import workspace_main

__all__ = ['main']


def main(argv: Optional[Sequence[str]] = None) -> int:
    """``workspace ...`` writes a workspace; anything else runs the
    tracker (the toolkit starts it without arguments)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ['workspace']:
        return workspace_main(argv[1:])
    return tracker_main(argv)
