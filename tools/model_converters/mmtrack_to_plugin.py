"""Convert an mmtracking 0.x STARK checkpoint (``stark_st*_r50_*.pth``).

Usage: python tools/model_converters/mmtrack_to_plugin.py SRC DST

Maps the mmcv-1.x transformer layout (``attentions.N``, ``ffns.0``,
``norms.N``) onto stark_plugin's mmdet-3.x layout, drops the backbone's
BN ``num_batches_tracked`` (FrozenBN) and writes ``dict(state_dict, meta)``
atomically. mmtracking stage-1 checkpoints have no score head: the output
then records ``missing_prefixes=['head.cls_head.']`` in its meta, and
``stark_plugin.apis.init_model`` leaves that head at its initialisation.
"""
import sys

from stark_plugin.checkpoint.convert_cli import convert_main


def main(argv=None) -> int:
    """Convert; a bad input is one ``error:`` line and exit code 1."""
    return convert_main(argv, 'mmtracking', __doc__.split('\n')[0],
                        'mmtracking STARK .pth')


if __name__ == '__main__':
    sys.exit(main())
