"""Convert an mmtracking 0.x STARK checkpoint (``stark_st*_r50_*.pth``).

Usage: python tools/model_converters/mmtrack_to_plugin.py SRC DST

Maps the mmcv-1.x transformer layout (``attentions.N``, ``ffns.0``,
``norms.N``) onto stark_plugin's mmdet-3.x layout, drops the backbone's
BN ``num_batches_tracked`` (FrozenBN) and writes ``dict(state_dict, meta)``
atomically. mmtracking stage-1 checkpoints have no score head: the output
then records ``missing_prefixes=['head.cls_head.']`` in its meta, and
``stark_plugin.apis.init_model`` leaves that head at its initialisation.
"""
import argparse
import sys

from stark_plugin.checkpoint.formats import convert_file, summary_line
from stark_plugin.errors import run_cli


def _main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='mmtracking STARK .pth')
    parser.add_argument('dst', help='output .pth for stark_plugin')
    args = parser.parse_args(argv)
    ckpt = convert_file(args.src, args.dst, 'mmtracking')
    if ckpt.meta.get('missing_prefixes'):
        print('note: no score head in the source (mmtracking stage-1 '
              'checkpoint); it stays at its initialisation')
    print(f'converted {args.src} -> {len(ckpt.state_dict)} entries: '
          f'{summary_line(ckpt.meta)}; wrote {args.dst}')
    return 0


def main(argv=None) -> int:
    """Convert; a bad input is one ``error:`` line and exit code 1."""
    return run_cli(_main, argv)


if __name__ == '__main__':
    sys.exit(main())
