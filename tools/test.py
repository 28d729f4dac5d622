"""Test a tracker on a benchmark: ``python tools/test.py CONFIG CHECKPOINT``.

Tracks every video of the config's test dataset, writes the raw per-video
results under ``WORK_DIR/results`` and prints the benchmark's metrics (or,
with ``--format-only``, writes the server submission files). VOT configs
(``VOTTestLoop`` + ``VOTMetric``) run the config's VOT experiment
(supervised resets, anchors or one pass) and write the vot-toolkit result
folder under ``WORK_DIR/vot_results/<tracker>/<experiment>/``.
"""
import argparse
import os.path as osp
import sys

from mmengine.config import Config

from stark_plugin.engine.launch import (add_common_arguments, load_config,
                                        run_runner)
from stark_plugin.errors import InputError, run_cli
from stark_plugin.setup_env import register_all_modules


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Test a STARK model on a tracking benchmark')
    parser.add_argument('config', help='test config file path')
    parser.add_argument(
        'checkpoint', nargs='?', default=None, help='checkpoint file')
    parser.add_argument(
        '--checkpoint', dest='checkpoint_opt', default=None,
        help='checkpoint file (same as the positional argument)')
    parser.add_argument(
        '--format-only', action='store_true',
        help='only write server-ready submission files (GOT-10k test, '
        'TrackingNet test) instead of computing metrics')
    add_common_arguments(parser)
    args = parser.parse_args(argv)
    if args.checkpoint and args.checkpoint_opt and \
            args.checkpoint != args.checkpoint_opt:
        parser.error('two different checkpoints given: '
                     f'{args.checkpoint} and {args.checkpoint_opt}')
    args.checkpoint = args.checkpoint or args.checkpoint_opt
    return args


def build_config(args: argparse.Namespace) -> Config:
    cfg = load_config(args)
    if args.checkpoint is not None:
        if not osp.isfile(args.checkpoint):
            raise FileNotFoundError(
                f'checkpoint file not found: {args.checkpoint}')
        test_cfg = cfg.get('test_cfg') or {}
        if test_cfg.get('type') in ('SOTTestLoop', 'VOTTestLoop'):
            # Loaded strictly by the loop: a checkpoint that does not fit
            # the model is an error, not a warning.
            cfg.test_cfg.checkpoint = args.checkpoint
            cfg.load_from = None
        else:
            cfg.load_from = args.checkpoint
    evaluators = cfg.get('test_evaluator') or []
    if isinstance(evaluators, dict):
        evaluators = [evaluators]
    for evaluator in evaluators:
        if args.format_only and evaluator.get('type') == 'VOTMetric':
            raise InputError('--format-only writes GOT-10k / TrackingNet '
                             'server files; a VOT config writes the '
                             'vot-toolkit result folder itself')
        if args.format_only:
            evaluator['format_only'] = True
        if evaluator.get('format_only') and not (
                evaluator.get('outfile_prefix')
                or evaluator.get('submission_dir')):
            # GOT-10k / TrackingNet test: the server files go to the work dir
            evaluator['outfile_prefix'] = osp.join(cfg.work_dir, 'submission')
    return cfg


def main(argv=None) -> int:
    args = parse_args(argv)
    register_all_modules(init_default_scope=False)
    cfg = build_config(args)
    run_runner(cfg, 'test')
    return 0


if __name__ == '__main__':
    sys.exit(run_cli(main))
