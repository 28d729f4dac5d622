"""Convert an official STARK checkpoint (researchmm/Stark ``.pth.tar``).

Usage: python tools/model_converters/stark_official_to_plugin.py SRC DST

Reads the ``net`` state dict through a restricted unpickler (objects of the
official ``lib.*`` modules are stubbed and dropped), maps the keys onto
stark_plugin's layout, detects STARK-S / STARK-ST and ResNet-50 / 101 or
STARK-Lightning (RepVGG keys; config
``configs/sot/stark/stark_lightning_x_trt_got10k.py``), and writes
``dict(state_dict, meta)`` atomically. Fails naming unknown keys.
(``init_model``, the demo and ``load_from`` also read the official file as
it is; converting once saves the conversion at every start.)
"""
import argparse
import sys

from stark_plugin.checkpoint.formats import convert_file, summary_line
from stark_plugin.errors import run_cli


def _main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='official STARK .pth.tar')
    parser.add_argument('dst', help='output .pth for stark_plugin')
    args = parser.parse_args(argv)
    ckpt = convert_file(args.src, args.dst, 'official')
    print(f'converted {args.src} -> {len(ckpt.state_dict)} entries: '
          f'{summary_line(ckpt.meta)}; wrote {args.dst}')
    return 0


def main(argv=None) -> int:
    """Convert; a bad input is one ``error:`` line and exit code 1."""
    return run_cli(_main, argv)


if __name__ == '__main__':
    sys.exit(main())
