"""Keep the weights of a training checkpoint for publishing.

Usage: python tools/model_converters/publish_model.py SRC DST

Reads a checkpoint that ``tools/train.py`` wrote (read by the package's
allow-listed loader, so nothing in it runs), drops what only resuming
needs (optimizer state, schedulers, message hub) and writes
``dict(state_dict, meta)`` atomically; prints the output's SHA-256 (the
first 8 hex digits are OpenMMLab's usual file-name suffix).
"""
import argparse
import hashlib
import sys

from stark_plugin.checkpoint.formats import (read_stark_checkpoint,
                                             save_converted)
from stark_plugin.errors import UnknownCheckpointFormatError, run_cli


def sha256_of(path: str) -> str:
    """Hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def _main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='checkpoint written by tools/train.py')
    parser.add_argument('dst', help='output .pth (weights and meta only)')
    args = parser.parse_args(argv)
    ckpt = read_stark_checkpoint(args.src)
    if ckpt.format != 'stark_plugin':
        raise UnknownCheckpointFormatError(
            f'{args.src}: a {ckpt.describe()}, not a checkpoint of this '
            'package (convert it with the converter of its format)')
    save_converted(ckpt, args.dst)
    print(f'{args.src} -> {args.dst}: {len(ckpt.state_dict)} weights, '
          f'sha256 {sha256_of(args.dst)}')
    return 0


def main(argv=None) -> int:
    """Publish; a bad input is one ``error:`` line and exit code 1."""
    return run_cli(_main, argv)


if __name__ == '__main__':
    sys.exit(main())
