"""Write synthetic tracking sequences in the GOT-10k layout.

Example::

    python tools/misc/make_synthetic_sot.py --out data/synth --videos 8 \
        --frames 40 --seed 0 --val-videos 2 --size 320 240 [--style rich]

Then train with ``data_root=data/synth`` (GOT-10k configs, ``split='train'``)
and test on ``val``. The same seed always gives the same files.
"""
import argparse
import sys
import time

from stark_plugin.datasets.synthetic import make_synthetic_got10k


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Generate synthetic SOT sequences (GOT-10k layout)')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--videos', type=int, required=True,
                        help='number of train videos')
    parser.add_argument('--frames', type=int, required=True,
                        help='frames per train video')
    parser.add_argument('--val-frames', type=int, default=None,
                        help='frames per val video (default: --frames)')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    parser.add_argument('--val-videos', type=int, default=2,
                        help='number of val videos (default 2)')
    parser.add_argument('--size', type=int, nargs=2, default=(320, 240),
                        metavar=('W', 'H'), help='frame size (320 240)')
    parser.add_argument('--style', choices=('basic', 'rich'),
                        default='basic',
                        help='basic, or rich: the target also leaves the '
                        'frame and comes back, dashes with motion blur, '
                        'changes scale more, and has a look-alike')
    parser.add_argument('--quiet', action='store_true',
                        help='no progress output')
    args = parser.parse_args(argv)
    if args.videos < 0 or args.val_videos < 0:
        parser.error('--videos and --val-videos must be >= 0')
    if args.frames < 2:
        parser.error('--frames must be at least 2')
    if args.val_frames is not None and args.val_frames < 2:
        parser.error('--val-frames must be at least 2')
    if min(args.size) < 32:
        parser.error('--size W H must be at least 32 x 32')
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    start = time.time()
    progress = None if args.quiet else (
        lambda msg: print(f'[make_synthetic_sot] {msg}', flush=True))
    written = make_synthetic_got10k(
        args.out, args.videos, args.frames, seed=args.seed,
        num_val_videos=args.val_videos, size=tuple(args.size),
        progress=progress, num_val_frames=args.val_frames, style=args.style)
    if not args.quiet:
        print(f'[make_synthetic_sot] wrote {len(written["train"])} train and '
              f'{len(written["val"])} val videos ({args.frames} / '
              f'{args.val_frames or args.frames} frames) to '
              f'{args.out} in {time.time() - start:.1f}s')
    return 0


if __name__ == '__main__':
    sys.exit(main())
