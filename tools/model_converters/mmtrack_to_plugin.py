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

from stark_plugin.models.checkpoint_converters import (
    UnknownKeysError, convert_mmtrack_state_dict, describe_state_dict,
    load_mmtrack_checkpoint, save_converted)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='mmtracking STARK .pth')
    parser.add_argument('dst', help='output .pth for stark_plugin')
    args = parser.parse_args(argv)
    try:
        source = load_mmtrack_checkpoint(args.src)
        converted = convert_mmtrack_state_dict(source)
    except (FileNotFoundError, KeyError, UnknownKeysError) as err:
        print(f'error: {args.src}: {err}', file=sys.stderr)
        return 1
    info = describe_state_dict(converted)
    meta = dict(source='mmtracking', source_file=args.src, **info)
    if info['variant'] == 'STARK-S':
        # mmtracking has no STARK-S: a checkpoint without a score head is a
        # stage-1 STARK-ST
        meta['variant'] = 'STARK-ST (stage 1, no score head)'
        meta['missing_prefixes'] = ['head.cls_head.']
        print('note: no score head in the source (mmtracking stage-1 '
              'checkpoint); it stays at its initialisation')
    save_converted(converted, args.dst, meta)
    print(f'converted {len(source)} mmtracking entries -> {len(converted)} '
          f'entries: {meta["variant"]}, ResNet-{info["depth"]}, '
          f'{info["num_encoder_layers"]} encoder / '
          f'{info["num_decoder_layers"]} decoder layers; wrote {args.dst}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
