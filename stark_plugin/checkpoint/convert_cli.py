"""The command line shared by the checkpoint converters in
``tools/model_converters``: ``SRC DST``, convert, one summary line; a bad
input is one ``error:`` line and exit code 1."""
import argparse
from typing import Optional, Sequence

from ..errors import run_cli
from .formats import convert_file, summary_line


def _convert(argv: Optional[Sequence[str]], source_format: str,
             description: str, source_help: str) -> int:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('src', help=source_help)
    parser.add_argument('dst', help='output .pth for stark_plugin')
    args = parser.parse_args(argv)
    ckpt = convert_file(args.src, args.dst, source_format)
    if ckpt.meta.get('missing_prefixes'):
        print('note: no score head in the source (stage-1 checkpoint); it '
              'stays at its initialisation')
    print(f'converted {args.src} -> {len(ckpt.state_dict)} entries: '
          f'{summary_line(ckpt.meta)}; wrote {args.dst}')
    return 0


def convert_main(argv: Optional[Sequence[str]], source_format: str,
                 description: str, source_help: str) -> int:
    """Parse ``SRC DST`` from ``argv``, convert a checkpoint of
    ``source_format`` (:func:`~.formats.convert_file`) and print what was
    written; exit code 0, or 1 with one ``error:`` line for a bad input."""
    return run_cli(lambda args: _convert(args, source_format, description,
                                         source_help), argv)
