"""Train a model from a config: ``python tools/train.py CONFIG [options]``."""
import argparse
import logging
import os.path as osp
import sys

from mmengine.config import Config
from mmengine.logging import print_log

from stark_plugin.engine.launch import (add_common_arguments, load_config,
                                        run_runner)
from stark_plugin.errors import run_cli
from stark_plugin.setup_env import register_all_modules


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a STARK model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--amp', action='store_true',
        help='automatic mixed precision training')
    parser.add_argument(
        '--auto-scale-lr', action='store_true',
        help='scale the learning rate by total batch / auto_scale_lr.base_'
        'batch_size')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from this checkpoint; without a path, resume from the '
        'latest checkpoint in the work dir')
    add_common_arguments(parser)
    return parser.parse_args(argv)


def build_config(args: argparse.Namespace) -> Config:
    """Merge the command line into the config (mmdet 3.x semantics)."""
    cfg = load_config(args)

    if args.amp:
        optim_wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if optim_wrapper == 'AmpOptimWrapper':
            print_log('AMP training is already enabled in the config.',
                      logger='current', level=logging.WARNING)
        else:
            if optim_wrapper != 'OptimWrapper':
                raise ValueError('--amp needs optim_wrapper.type to be '
                                 f'OptimWrapper, got {optim_wrapper}')
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.loss_scale = 'dynamic'

    if args.auto_scale_lr:
        if 'auto_scale_lr' not in cfg or \
                'base_batch_size' not in cfg.auto_scale_lr:
            raise ValueError('--auto-scale-lr needs `auto_scale_lr = dict('
                             'enable=False, base_batch_size=...)` in the '
                             f'config {args.config}')
        cfg.auto_scale_lr.enable = True

    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        if not osp.isfile(args.resume):
            raise FileNotFoundError(
                f'--resume checkpoint not found: {args.resume}')
        cfg.resume = True
        cfg.load_from = args.resume
    return cfg


def main(argv=None) -> int:
    args = parse_args(argv)
    register_all_modules(init_default_scope=False)
    cfg = build_config(args)
    run_runner(cfg, 'train')
    return 0


if __name__ == '__main__':
    sys.exit(run_cli(main))
