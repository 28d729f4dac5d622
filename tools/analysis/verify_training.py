#!/usr/bin/env python
"""Check on CPU that STARK training learns, end to end.

Example::

    python tools/analysis/verify_training.py --work-dir work_dirs/verify

Steps (each through the project's own tools, as a user would run them):

1. write synthetic GOT-10k-layout sequences (``stark_plugin.datasets.
   synthetic``, the code of ``tools/misc/make_synthetic_sot.py``) to
   ``WORK_DIR/data`` (``train`` and held-out ``val``);
2. ``tools/train.py configs/sot/stark/stark_st1_tiny_synth.py`` (stage 1)
   and ``tools/train.py configs/sot/stark/stark_st2_tiny_synth.py
   --cfg-options load_from=<stage-1 checkpoint>`` (stage 2);
3. ``tools/test.py`` on the ``val`` videos with the trained checkpoint and
   without one (the untrained model of the same seed);
4. the "stay at the first box" baseline, scored by the same ``SOTMetric``;
5. the ROC AUC of the stage-2 score head on held-out positive / negative
   search regions drawn by the stage-2 training pipeline from ``val``.

Prints the numbers and writes ``WORK_DIR/verify_training.json`` with
``trained_auc``, ``untrained_auc``, ``static_auc``, ``score_roc_auc`` (all
fractions in [0, 1]) and ``train_seconds``, plus the settings used. The
exit status is 0 when every step ran (the numbers are for the user to
judge; ``--check`` also requires the trained tracker to beat both
baselines).
"""
import argparse
import glob
import json
import os
import os.path as osp
import subprocess
import sys
import time
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

REPO_ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))

from stark_plugin.fileio.atomic import atomic_write_json  # noqa: E402

ST1_CONFIG = osp.join(REPO_ROOT, 'configs', 'sot', 'stark',
                      'stark_st1_tiny_synth.py')
ST2_CONFIG = osp.join(REPO_ROOT, 'configs', 'sot', 'stark',
                      'stark_st2_tiny_synth.py')
AUC_KEY = 'sot/success_auc'


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
    parser.add_argument('--check', action='store_true',
                        help='exit 1 unless the trained tracker beats both '
                        'baselines and the score ROC AUC is above 0.5')
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
    return args


# ----------------------------------------------------------------- steps
def _env(threads: int) -> Dict[str, str]:
    env = dict(os.environ)
    for key in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS',
                'OPENBLAS_NUM_THREADS'):
        env[key] = str(threads)
    env['PYTHONPATH'] = os.pathsep.join(
        [REPO_ROOT] + [p for p in [env.get('PYTHONPATH')] if p])
    return env


def run_tool(cmd: List[str], log_path: str, env: Dict[str, str]) -> float:
    """Run a tool, its output to ``log_path``; seconds taken. Exits with a
    message and the log's tail when it fails."""
    print(f'$ {" ".join(cmd)}\n  (log: {log_path})', flush=True)
    start = time.perf_counter()
    with open(log_path, 'w') as log:
        proc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT,
                              env=env, cwd=REPO_ROOT)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        with open(log_path) as f:
            tail = ''.join(f.readlines()[-30:])
        raise SystemExit(f'verify_training: {cmd[1]} failed with exit code '
                         f'{proc.returncode} (log {log_path}):\n{tail}')
    return seconds


def _data_options(data_root: str, args: argparse.Namespace,
                  epochs: Optional[int]) -> List[str]:
    opts = [
        f'train_dataloader.dataset.data_root={data_root}',
        f'test_dataloader.dataset.data_root={data_root}',
        f'randomness.seed={args.seed}',
    ]
    if epochs is not None:
        # keep the lr drop at the same fraction of the schedule
        opts += [f'train_cfg.max_epochs={epochs}',
                 f'default_hooks.checkpoint.interval={epochs}']
    if args.samples_per_epoch is not None:
        opts.append('train_dataloader.sampler.samples_per_epoch='
                    f'{args.samples_per_epoch}')
    if args.batch_size is not None:
        opts.append(f'train_dataloader.batch_size={args.batch_size}')
    return opts


def _scheduler_options(config: str, epochs: Optional[int]) -> List[str]:
    """Move the MultiStepLR milestones with ``epochs`` (same fractions)."""
    if epochs is None:
        return []
    from mmengine.config import Config
    cfg = Config.fromfile(config)
    opts = []
    for i, sched in enumerate(cfg.get('param_scheduler') or []):
        if sched.get('type') != 'MultiStepLR':
            continue
        old = cfg.train_cfg.max_epochs
        new = sorted({max(1, min(epochs, round(m * epochs / old)))
                      for m in sched['milestones']})
        opts += [f'param_scheduler.{i}.end={epochs}',
                 f'param_scheduler.{i}.milestones={new}']
    return opts


def last_checkpoint(work_dir: str) -> str:
    """The checkpoint named in mmengine's ``last_checkpoint`` file."""
    marker = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(marker):
        with open(marker) as f:
            path = f.read().strip()
        if osp.isfile(path):
            return path
    found = sorted(glob.glob(osp.join(work_dir, 'epoch_*.pth')),
                   key=osp.getmtime)
    if not found:
        raise SystemExit(f'verify_training: no checkpoint in {work_dir}')
    return found[-1]


def read_test_auc(work_dir: str) -> float:
    """Success AUC (fraction) that ``tools/test.py`` logged in its JSON."""
    logs = sorted(glob.glob(osp.join(work_dir, '*', '*.json')),
                  key=osp.getmtime)
    for path in reversed(logs):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line.startswith('{'):
                    record = json.loads(line)
                    if AUC_KEY in record:
                        return float(record[AUC_KEY]) / 100.0
    raise SystemExit(f'verify_training: no {AUC_KEY} logged under {work_dir}')


def static_auc(config: str, data_root: str) -> float:
    """Success AUC of predicting the first-frame box in every frame, scored
    by the config's test evaluator on its test videos."""
    from mmengine.config import Config

    from stark_plugin.registry import DATASETS, METRICS
    cfg = Config.fromfile(config)
    ds_cfg = cfg.test_dataloader.dataset.copy()
    ds_cfg.update(data_root=data_root, pipeline=[])
    dataset = DATASETS.build(ds_cfg)
    metric = METRICS.build(cfg.test_evaluator)
    for i in range(dataset.num_videos):
        video = dataset.get_video(i)
        pred = np.repeat(video['gt_bboxes'][:1], len(video['gt_bboxes']), 0)
        metric.process(None, [dict(video, pred_bboxes=pred)])
    metrics = metric.compute_metrics(metric.results)
    return float(metrics[AUC_KEY.split('/', 1)[1]]) / 100.0


def roc_auc(scores: Sequence[float], labels: Sequence[int]) -> float:
    """Area under the ROC curve (Mann-Whitney U, ties counted half)."""
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(labels).astype(bool)
    n_pos, n_neg = int(labels.sum()), int((~labels).sum())
    if n_pos == 0 or n_neg == 0:
        raise ValueError('ROC AUC needs positive and negative samples')
    order = np.argsort(scores, kind='mergesort')
    ranks = np.empty(len(scores), dtype=np.float64)
    sorted_scores = scores[order]
    i = 0
    while i < len(scores):  # average ranks of ties
        j = i
        while j + 1 < len(scores) and sorted_scores[j + 1] == \
                sorted_scores[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    u = ranks[labels].sum() - n_pos * (n_pos + 1) / 2.0
    return float(u / (n_pos * n_neg))


def score_samples(config: str, checkpoint: str, data_root: str,
                  num: int, seed: int, split: str = 'val',
                  batch_size: int = 32) -> Tuple[np.ndarray, np.ndarray]:
    """Score-head outputs and labels of ``num`` stage-2 training samples
    (the config's training pipeline, positives and negatives) drawn from
    the held-out ``split``.

    A negative whose search frame is a frame of the template's own video
    (the official sampler allows it) is dropped: its label is ambiguous.
    """
    import random

    import torch
    from mmengine.config import Config
    from mmengine.dataset import pseudo_collate

    from stark_plugin.apis import init_model
    from stark_plugin.registry import DATASETS
    cfg = Config.fromfile(config)
    model = init_model(cfg, checkpoint, device='cpu')
    ds_cfg = cfg.train_dataloader.dataset.copy()
    ds_cfg.update(data_root=data_root, split=split)
    dataset = DATASETS.build(ds_cfg)
    np.random.seed(seed)
    random.seed(seed)
    torch.manual_seed(seed)
    samples, key = [], 0
    while len(samples) < num:
        # distinct sample keys (seed, epoch, index): each draws its own
        # video, frames and positive / negative label
        data = dataset[(seed, 0, key)]
        key += 1
        sample = data['data_samples']
        source = sample.metainfo.get('search_source')
        if source is not None and int(sample.gt_label.item()) == 0 and \
                source.get('video_name') == sample.metainfo['video_name']:
            continue
        samples.append(data)
    scores, labels = [], []
    with torch.no_grad():
        for start in range(0, len(samples), batch_size):
            batch = pseudo_collate(samples[start:start + batch_size])
            batch = model.data_preprocessor(batch, False)
            out = model(batch['inputs'], batch['data_samples'],
                        mode='predict')
            for s in out:
                scores.append(float(s.pred_score))
                labels.append(int(s.gt_label.item()))
    return np.asarray(scores), np.asarray(labels)


# ------------------------------------------------------------------ main
def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    work_dir = osp.abspath(args.work_dir)
    log_dir = osp.join(work_dir, 'logs')
    os.makedirs(log_dir, exist_ok=True)
    env = _env(args.threads)
    try:
        import torch
        torch.set_num_threads(args.threads)
    except ImportError:  # pragma: no cover
        pass
    from stark_plugin.datasets.synthetic import make_synthetic_got10k
    from stark_plugin.setup_env import register_all_modules
    register_all_modules(init_default_scope=True)
    total_start = time.perf_counter()

    # 1. data
    data_root = osp.join(work_dir, 'data')
    start = time.perf_counter()
    make_synthetic_got10k(data_root, args.videos, args.frames, seed=args.seed,
                          num_val_videos=args.val_videos,
                          size=tuple(args.size),
                          num_val_frames=args.val_frames, style=args.style)
    data_seconds = time.perf_counter() - start
    print(f'[1/5] {args.videos} train videos of {args.frames} frames and '
          f'{args.val_videos} val videos of {args.val_frames} frames '
          f'({args.style} style) in {data_root} '
          f'({data_seconds:.1f}s)', flush=True)

    # 2. training through tools/train.py
    train = osp.join(REPO_ROOT, 'tools', 'train.py')
    test = osp.join(REPO_ROOT, 'tools', 'test.py')
    st1_dir, st2_dir = osp.join(work_dir, 'st1'), osp.join(work_dir, 'st2')
    st1_seconds = run_tool(
        [sys.executable, train, args.st1_config, '--work-dir', st1_dir,
         '--cfg-options'] +
        _data_options(data_root, args, args.st1_epochs) +
        _scheduler_options(args.st1_config, args.st1_epochs),
        osp.join(log_dir, 'train_st1.log'), env)
    st1_ckpt = last_checkpoint(st1_dir)
    st2_seconds = run_tool(
        [sys.executable, train, args.st2_config, '--work-dir', st2_dir,
         '--cfg-options', f'load_from={st1_ckpt}'] +
        _data_options(data_root, args, args.st2_epochs) +
        _scheduler_options(args.st2_config, args.st2_epochs),
        osp.join(log_dir, 'train_st2.log'), env)
    st2_ckpt = last_checkpoint(st2_dir)
    train_seconds = st1_seconds + st2_seconds
    print(f'[2/5] trained stage 1 ({st1_seconds:.0f}s) and stage 2 '
          f'({st2_seconds:.0f}s): {st2_ckpt}', flush=True)

    # 3. tracking the held-out videos with tools/test.py
    test_opts = [f'test_dataloader.dataset.data_root={data_root}',
                 f'randomness.seed={args.seed}']
    start = time.perf_counter()
    trained_dir = osp.join(work_dir, 'test_trained')
    untrained_dir = osp.join(work_dir, 'test_untrained')
    run_tool([sys.executable, test, args.st2_config, st2_ckpt, '--work-dir',
              trained_dir, '--cfg-options'] + test_opts,
             osp.join(log_dir, 'test_trained.log'), env)
    run_tool([sys.executable, test, args.st2_config, '--work-dir',
              untrained_dir, '--cfg-options'] + test_opts,
             osp.join(log_dir, 'test_untrained.log'), env)
    trained, untrained = read_test_auc(trained_dir), read_test_auc(
        untrained_dir)
    test_seconds = time.perf_counter() - start
    print(f'[3/5] success AUC on {args.val_videos} val videos: trained '
          f'{trained:.3f}, untrained {untrained:.3f} ({test_seconds:.0f}s)',
          flush=True)

    # 4. "stay at the first box" baseline
    static = static_auc(args.st2_config, data_root)
    print(f'[4/5] success AUC of staying at the first box: {static:.3f}',
          flush=True)

    # 5. score head on held-out positives / negatives
    start = time.perf_counter()
    scores, labels = score_samples(args.st2_config, st2_ckpt, data_root,
                                   args.roc_samples, args.seed)
    score_auc = roc_auc(scores, labels)
    print(f'[5/5] score head ROC AUC {score_auc:.3f} on {len(labels)} '
          f'held-out samples ({int(labels.sum())} positive) '
          f'({time.perf_counter() - start:.0f}s)', flush=True)

    result = dict(
        trained_auc=trained,
        untrained_auc=untrained,
        static_auc=static,
        score_roc_auc=score_auc,
        train_seconds=train_seconds,
        margin_over_best_baseline=trained - max(untrained, static),
        st1_seconds=st1_seconds,
        st2_seconds=st2_seconds,
        total_seconds=time.perf_counter() - total_start,
        roc_positives=int(labels.sum()),
        roc_negatives=int((1 - labels).sum()),
        st1_checkpoint=st1_ckpt,
        st2_checkpoint=st2_ckpt,
        settings=dict(
            seed=args.seed, videos=args.videos, val_videos=args.val_videos,
            frames=args.frames, val_frames=args.val_frames,
            size=list(args.size), style=args.style,
            st1_epochs=args.st1_epochs, st2_epochs=args.st2_epochs,
            samples_per_epoch=args.samples_per_epoch,
            batch_size=args.batch_size, roc_samples=args.roc_samples,
            threads=args.threads, st1_config=args.st1_config,
            st2_config=args.st2_config))
    out_path = osp.join(work_dir, 'verify_training.json')
    atomic_write_json(out_path, result)
    print(json.dumps({k: result[k] for k in (
        'trained_auc', 'untrained_auc', 'static_auc', 'score_roc_auc',
        'train_seconds', 'margin_over_best_baseline')}, indent=2))
    print(f'written to {out_path}')
    if args.check:
        ok = trained > max(untrained, static) and score_auc > 0.5
        if not ok:
            print('verify_training: the trained tracker does NOT beat the '
                  'baselines', file=sys.stderr)
            return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
