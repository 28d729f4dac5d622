#!/usr/bin/env python
"""Check on CPU that STARK training learns, end to end.

Example::

    python tools/analysis/verify_training.py --work-dir work_dirs/verify

Writes synthetic videos, trains both stages with ``tools/train.py``, tracks
the held-out videos with ``tools/test.py`` (trained and untrained), scores
the "stay at the first box" baseline and the stage-2 score head's ROC AUC
on held-out samples (steps: ``stark_plugin.testing.learning.proof``).

Prints the numbers and writes ``WORK_DIR/verify_training.json`` with
``trained_auc``, ``untrained_auc``, ``static_auc``, ``score_roc_auc`` (all
fractions in [0, 1]) and ``train_seconds``, plus the settings used and the
verdict (``learning_failures``; criterion in
``stark_plugin.testing.learning.criterion``). The exit status is 0 when
every step ran; with ``--check`` also the numbers must show learning: the
trained tracker beats both baselines by a margin, the lower confidence
bound of the score ROC AUC is above 0.5, and the score head predicts the
held-out labels better than the same head without stage 2's gradient
updates (paired log-loss gain, ``score_log_loss_gain``).

One stage at a time (what the test suite runs): ``--st1-only`` trains and
judges stage 1 alone; ``--st1-checkpoint`` starts stage 2 from a stage-1
checkpoint (e.g. ``tests/data/learning/tiny_st1_seed0.pth``).

To see the proof fail when learning is broken (no learning at all; stage
2 not trained, from the stage-1 checkpoint of an earlier run)::

    python tools/analysis/verify_training.py --work-dir WORK --check \\
        --st1-cfg-options optim_wrapper.optimizer.lr=0 \\
        --st2-cfg-options optim_wrapper.optimizer.lr=0
    python tools/analysis/verify_training.py --work-dir WORK2 --check \\
        --st1-checkpoint WORK1/st1/epoch_28.pth \\
        --st2-cfg-options optim_wrapper.optimizer.lr=0
"""
import argparse
import sys
from typing import Optional, Sequence

from stark_plugin.testing.learning import (LearningSettings,
                                           run_learning_proof)
from stark_plugin.testing.learning.proof import ST1_CONFIG, ST2_CONFIG


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Train the tiny STARK on synthetic data (stage 1 then '
        'stage 2) and check that it tracks better than the baselines')
    parser.add_argument('--work-dir', required=True,
                        help='output folder (data, checkpoints, logs, JSON)')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the data, the model and the training')
    parser.add_argument('--videos', type=int, default=600,
                        help='synthetic train videos (600: many short videos '
                        'give many object identities to learn from)')
    parser.add_argument('--val-videos', type=int, default=12,
                        help='held-out val videos (12)')
    parser.add_argument('--frames', type=int, default=20,
                        help='frames per train video (20)')
    parser.add_argument('--val-frames', type=int, default=60,
                        help='frames per val video (60)')
    parser.add_argument('--size', type=int, nargs=2, default=(320, 240),
                        metavar=('W', 'H'), help='frame size (320 240)')
    parser.add_argument('--style', choices=('basic', 'rich'),
                        default='basic',
                        help='synthetic video style (basic; rich adds exits '
                        'from the frame, motion blur, larger scale change and '
                        'a look-alike distractor in every video: see '
                        'stark_plugin/datasets/synthetic.py)')
    parser.add_argument('--st1-epochs', type=int, default=None,
                        help='stage-1 epochs (default: the config)')
    parser.add_argument('--st2-epochs', type=int, default=None,
                        help='stage-2 epochs (default: the config)')
    parser.add_argument('--samples-per-epoch', type=int, default=None,
                        help='training samples per epoch, both stages '
                        '(default: the configs)')
    parser.add_argument('--batch-size', type=int, default=None,
                        help='training batch size (default: the configs)')
    parser.add_argument('--roc-samples', type=int, default=400,
                        help='held-out stage-2 samples for the score ROC')
    parser.add_argument('--threads', type=int, default=1,
                        help='torch/OpenMP threads per process (1 is '
                        'fastest on a small shared CPU)')
    parser.add_argument('--st1-config', default=ST1_CONFIG)
    parser.add_argument('--st2-config', default=ST2_CONFIG)
    parser.add_argument('--st1-cfg-options', nargs='+', default=[],
                        metavar='KEY=VALUE',
                        help='extra --cfg-options of the stage-1 training')
    parser.add_argument('--st2-cfg-options', nargs='+', default=[],
                        metavar='KEY=VALUE',
                        help='extra --cfg-options of the stage-2 training')
    parser.add_argument('--st1-checkpoint', default=None,
                        help='start stage 2 from this stage-1 checkpoint '
                        'instead of training stage 1')
    parser.add_argument('--st1-only', action='store_true',
                        help='train and judge stage 1 only: track with the '
                        'stage-1 checkpoint (first frame as the dynamic '
                        'template), no stage 2, no score head ROC')
    parser.add_argument('--fork-tools', action='store_true',
                        help='start train.py and test.py in children forked '
                        'from a process that imported torch, mmengine and '
                        'mmdet once, instead of fresh interpreters (saves '
                        'their 7-8 s of imports per run)')
    parser.add_argument('--check', action='store_true',
                        help='exit 1 unless the numbers show learning (see '
                        'stark_plugin.testing.learning.criterion)')
    args = parser.parse_args(argv)
    for name in ('videos', 'val_videos', 'frames', 'roc_samples',
                 'threads'):
        if getattr(args, name) < 1:
            parser.error(f'--{name.replace("_", "-")} must be at least 1')
    if args.frames < 20:
        parser.error('--frames must be at least 20 (the training sampler '
                     'skips shorter videos)')
    if args.val_frames < 2:
        parser.error('--val-frames must be at least 2')
    if args.st1_only and args.st1_checkpoint:
        parser.error('--st1-only trains stage 1 and --st1-checkpoint skips '
                     'it: give one of them')
    return args


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = vars(parse_args(argv))
    check = args.pop('check')
    args['size'] = tuple(args['size'])
    return run_learning_proof(LearningSettings(**args), check=check)


if __name__ == '__main__':
    sys.exit(main())
