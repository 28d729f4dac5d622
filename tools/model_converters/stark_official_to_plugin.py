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
import sys

from stark_plugin.checkpoint.convert_cli import convert_main


def main(argv=None) -> int:
    """Convert; a bad input is one ``error:`` line and exit code 1."""
    return convert_main(argv, 'official', __doc__.split('\n')[0],
                        'official STARK .pth.tar')


if __name__ == '__main__':
    sys.exit(main())
