"""Training throughput benchmark (see stark_plugin.benchmarking.training).

Data-loader samples/s per number of workers (rounds alternated between
the worker counts), the train step of the config's model (random weights),
the fraction of the time the step waits for data, and peak memory; on
generated GOT-10k-layout data unless --data-root is given.

Example (the STARK-ST50 stage-1 pipeline, batch 16, 256 samples per
epoch, 0, 1 and 2 workers, idle and with one busy process)::

    python tools/analysis/benchmark_training.py --workers 0 1 2 \
        --batch-size 16 --samples 256 --baseline-loader \
        --json train_bench_idle.json
    python tools/analysis/benchmark_training.py --workers 0 1 2 \
        --batch-size 16 --samples 256 --baseline-loader \
        --background-load 1 --json train_bench_load1.json

(--baseline-loader: also mmengine's pseudo_collate loader, for comparison.)
"""
import argparse
import os.path as osp
import shlex
import sys
import tempfile

import torch
from mmengine.config import DictAction

from stark_plugin.benchmarking.training import (benchmark_training,
                                                format_table, load_config,
                                                make_data)
from stark_plugin.fileio.atomic import atomic_write_json

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEFAULT_CONFIG = osp.join(ROOT, 'configs', 'sot', 'stark',
                          'stark_st1_r50_500e_got10k.py')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Data-loader and train-step throughput of a STARK '
        'training config.')
    parser.add_argument('config', nargs='?', default=DEFAULT_CONFIG,
                        help='training config (default: STARK-ST50 stage 1 '
                        'on GOT-10k)')
    parser.add_argument('--data-root', help='training data (GOT-10k '
                        'layout for the default config; default: generated '
                        'into a temporary folder)')
    parser.add_argument('--videos', type=int, default=8,
                        help='generated train videos (default 8)')
    parser.add_argument('--frames', type=int, default=60,
                        help='frames per generated video (default 60)')
    parser.add_argument('--frame-size', type=int, nargs=2,
                        default=[320, 240], metavar=('W', 'H'),
                        help='generated frame size (default 320 240)')
    parser.add_argument('--workers', type=int, nargs='+', default=[0, 1, 2],
                        help='worker counts to compare (default 0 1 2)')
    parser.add_argument('--batch-size', type=int, default=16)
    parser.add_argument('--samples', type=int, default=256,
                        help='samples per timed epoch (default 256)')
    parser.add_argument('--rounds', type=int, default=3,
                        help='timed epochs per worker count (default 3)')
    parser.add_argument('--train-steps', type=int, default=3,
                        help='timed train steps per worker count (0: no '
                        'train-step timing; default 3)')
    parser.add_argument('--train-warmup', type=int, default=1,
                        help='untimed train steps first (default 1)')
    parser.add_argument('--background-load', type=int, default=0,
                        metavar='N', help='N busy processes while measuring')
    parser.add_argument('--device', default='cpu', help='cpu | cuda')
    parser.add_argument('--threads', type=int,
                        help='torch threads of the main process')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='config overrides, key=value')
    parser.add_argument('--baseline-loader', action='store_true',
                        help='also time loaders with mmengine\'s default '
                        'collate (pseudo_collate) and worker init, in the '
                        'same alternated rounds')
    parser.add_argument('--ceiling', type=int, default=0, metavar='N',
                        help='also time N single-process loaders in N '
                        'separate processes at once, in the same '
                        'alternated rounds: what N workers could reach '
                        'here without any loader overhead')
    parser.add_argument('--json', help='write the report here')
    return parser.parse_args(argv)


def _check(args: argparse.Namespace) -> str:
    """An error message for bad arguments, or ''."""
    if min(args.workers) < 0 or len(set(args.workers)) != len(args.workers):
        return f'--workers {args.workers}: distinct counts >= 0'
    if args.batch_size < 1 or args.samples < args.batch_size:
        return '--samples must be >= --batch-size >= 1'
    for name in ('rounds', 'train_steps', 'train_warmup',
                 'background_load', 'ceiling'):
        if getattr(args, name) < 0:
            return f'--{name.replace("_", "-")} must be >= 0'
    if not osp.isfile(args.config):
        return f'config file not found: {args.config}'
    if args.data_root and not osp.isdir(args.data_root):
        return f'--data-root {args.data_root}: no such folder'
    return ''


def main(argv=None) -> int:
    args = parse_args(argv)
    problem = _check(args)
    if problem:
        print(f'error: {problem}', file=sys.stderr)
        return 2
    if args.threads:
        torch.set_num_threads(args.threads)
    command = shlex.join([osp.relpath(__file__, ROOT)] +
                         list(sys.argv[1:] if argv is None else argv))
    with tempfile.TemporaryDirectory(prefix='stark_train_bench_') as tmp:
        root = args.data_root or make_data(
            tmp, args.videos, args.frames, args.frame_size, args.seed)
        cfg = load_config(args.config, root, args.cfg_options)
        report = benchmark_training(
            cfg, args.workers, args.batch_size, args.samples, args.rounds,
            args.train_steps, args.train_warmup, args.device,
            args.background_load, args.seed, command,
            baseline=args.baseline_loader, ceiling=args.ceiling,
            log=lambda msg: print(msg, flush=True))
    print(format_table(report))
    if args.json:
        atomic_write_json(args.json, report)
        print(f'report written to {args.json}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
