"""``python -m stark_plugin.vot``: see :mod:`stark_plugin.vot.cli`."""
import sys

from ..errors import run_cli
from .cli import main

if __name__ == '__main__':
    sys.exit(run_cli(main))
