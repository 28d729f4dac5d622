"""Convert an official STARK checkpoint (researchmm/Stark ``.pth.tar``).

Usage: python tools/model_converters/stark_official_to_plugin.py SRC DST

Reads the ``net`` state dict through a restricted unpickler (objects of the
official ``lib.*`` modules are stubbed and dropped), maps the keys onto
stark_plugin's layout, detects STARK-S / STARK-ST and ResNet-50 / 101 or
STARK-Lightning (RepVGG keys; config
``configs/sot/stark/stark_lightning_x_trt_got10k.py``), and writes
``dict(state_dict, meta)`` atomically. Fails naming unknown keys.
"""
import argparse
import sys

from stark_plugin.models.checkpoint_converters import (
    UnknownKeysError, convert_official_state_dict, describe_state_dict,
    load_official_checkpoint, save_converted)
from stark_plugin.models.lightning_converter import (
    convert_official_lightning_state_dict, describe_lightning_state_dict,
    is_official_lightning_state_dict)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='official STARK .pth.tar')
    parser.add_argument('dst', help='output .pth for stark_plugin')
    args = parser.parse_args(argv)
    try:
        source = load_official_checkpoint(args.src)
        lightning = is_official_lightning_state_dict(source)
        if lightning:
            converted = convert_official_lightning_state_dict(source)
        else:
            converted = convert_official_state_dict(source)
    except (FileNotFoundError, KeyError, UnknownKeysError) as err:
        print(f'error: {args.src}: {err}', file=sys.stderr)
        return 1
    if lightning:
        info = describe_lightning_state_dict(converted)
        save_converted(converted, args.dst,
                       dict(source='official', source_file=args.src, **info))
        print(f'converted {len(source)} official entries -> '
              f'{len(converted)} entries: {info["variant"]}, RepVGG stage '
              f'blocks {info["stage_blocks"]}, {info["form"]} form; wrote '
              f'{args.dst}')
        return 0
    info = describe_state_dict(converted)
    meta = dict(source='official', source_file=args.src, **info)
    save_converted(converted, args.dst, meta)
    print(f'converted {len(source)} official entries -> {len(converted)} '
          f'entries: {info["variant"]}, ResNet-{info["depth"]}, '
          f'{info["num_encoder_layers"]} encoder / '
          f'{info["num_decoder_layers"]} decoder layers; wrote {args.dst}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
