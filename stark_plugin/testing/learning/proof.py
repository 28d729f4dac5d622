"""The proof that STARK training learns, end to end on CPU.

Steps (each through the project's own tools, as a user would run them):

1. write synthetic GOT-10k-layout sequences (:mod:`stark_plugin.datasets.
   synthetic`, the code of ``tools/misc/make_synthetic_sot.py``) to
   ``WORK_DIR/data`` (``train`` and held-out ``val``);
2. ``tools/train.py configs/sot/stark/stark_st1_tiny_synth.py`` (stage 1)
   and ``tools/train.py configs/sot/stark/stark_st2_tiny_synth.py
   --cfg-options load_from=<stage-1 checkpoint>`` (stage 2);
3. ``tools/test.py`` on the ``val`` videos with the trained checkpoint and
   without one (the untrained model of the same seed);
4. the "stay at the first box" baseline, scored by the same ``SOTMetric``;
5. the ROC AUC of the stage-2 score head on held-out positive / negative
   search regions drawn by the stage-2 training pipeline from ``val``,
   and its log-loss against the control head without stage 2's gradient
   updates (:func:`~.measures.score_samples`).

One stage at a time: ``st1_only`` stops after stage 1 and tracks with the
stage-1 checkpoint (its score head is untrained, so the tracker keeps the
first frame as its dynamic template) and skips step 5; ``st1_checkpoint``
skips stage 1 and trains stage 2 from that checkpoint.

The verdict is :func:`~.criterion.learning_failures`.
"""
import json
import os
import os.path as osp
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import List, Optional, Tuple

import torch

from ...datasets.synthetic import make_synthetic_got10k
from ...fileio.atomic import atomic_write_json
from ...setup_env import register_all_modules
from ..paths import CONFIG_DIR
from .criterion import (LearningCriterion, learning_failures,
                        log_loss_gain, roc_auc, roc_auc_lower_bound)
from .measures import score_samples, static_auc
from .user_tools import (LearningRunError, last_checkpoint, read_test_auc,
                         run_tool, scheduler_options, test_command,
                         tool_env, train_command)

ST1_CONFIG = osp.join(CONFIG_DIR, 'stark_st1_tiny_synth.py')
ST2_CONFIG = osp.join(CONFIG_DIR, 'stark_st2_tiny_synth.py')
#: the numbers :func:`run_learning_proof` prints
SUMMARY_KEYS = ('trained_auc', 'untrained_auc', 'static_auc',
                'score_roc_auc', 'score_log_loss_gain', 'train_seconds',
                'margin_over_best_baseline')


@dataclass
class LearningSettings:
    """The settings of one learning run (``None``: the config's value)."""
    work_dir: str
    seed: int = 0
    videos: int = 600
    val_videos: int = 12
    frames: int = 20
    val_frames: int = 60
    size: Tuple[int, int] = (320, 240)
    style: str = 'basic'
    st1_epochs: Optional[int] = None
    st2_epochs: Optional[int] = None
    samples_per_epoch: Optional[int] = None
    batch_size: Optional[int] = None
    roc_samples: int = 400
    threads: int = 1
    st1_config: str = ST1_CONFIG
    st2_config: str = ST2_CONFIG
    #: extra ``--cfg-options`` of each stage's training (e.g.
    #: ``optim_wrapper.optimizer.lr=0`` to show that the proof fails)
    st1_cfg_options: List[str] = field(default_factory=list)
    st2_cfg_options: List[str] = field(default_factory=list)
    #: a stage-1 checkpoint to start stage 2 from instead of training
    #: stage 1 (e.g. to vary stage 2 only)
    st1_checkpoint: Optional[str] = None
    #: train and judge stage 1 only (no stage 2, no score head ROC)
    st1_only: bool = False
    #: start the tools in children forked from a process that imported
    #: torch, mmengine and mmdet once, not in fresh interpreters (saves
    #: their 7-8 s of imports per run)
    fork_tools: bool = False

    def __post_init__(self) -> None:
        if self.st1_only and self.st1_checkpoint:
            raise ValueError('st1_only trains stage 1; st1_checkpoint skips '
                             'it: give one of them')

    @property
    def stages(self) -> str:
        """What the run trains: ``'st1'``, ``'st2'`` (from
        ``st1_checkpoint``) or ``'st1+st2'``."""
        if self.st1_only:
            return 'st1'
        return 'st2' if self.st1_checkpoint else 'st1+st2'


def _train_options(s: LearningSettings, data_root: str, config: str,
                   epochs: Optional[int]) -> List[str]:
    opts = [
        f'train_dataloader.dataset.data_root={data_root}',
        f'test_dataloader.dataset.data_root={data_root}',
        f'randomness.seed={s.seed}',
    ]
    if epochs is not None:
        # keep the lr drop at the same fraction of the schedule
        opts += [f'train_cfg.max_epochs={epochs}',
                 f'default_hooks.checkpoint.interval={epochs}']
    if s.samples_per_epoch is not None:
        opts.append('train_dataloader.sampler.samples_per_epoch='
                    f'{s.samples_per_epoch}')
    if s.batch_size is not None:
        opts.append(f'train_dataloader.batch_size={s.batch_size}')
    return opts + scheduler_options(config, epochs)


def _make_data(s: LearningSettings, data_root: str) -> None:
    start = time.perf_counter()
    make_synthetic_got10k(data_root, s.videos, s.frames, seed=s.seed,
                          num_val_videos=s.val_videos, size=tuple(s.size),
                          num_val_frames=s.val_frames, style=s.style)
    print(f'[1/5] {s.videos} train videos of {s.frames} frames and '
          f'{s.val_videos} val videos of {s.val_frames} frames '
          f'({s.style} style) in {data_root} '
          f'({time.perf_counter() - start:.1f}s)', flush=True)


def _train(s: LearningSettings, data_root: str, work_dir: str) -> dict:
    """Both stages through ``tools/train.py``: seconds and checkpoints."""
    env, logs = tool_env(s.threads), osp.join(work_dir, 'logs')
    st1_dir, st2_dir = osp.join(work_dir, 'st1'), osp.join(work_dir, 'st2')
    if s.st1_checkpoint:
        st1_seconds, st1_ckpt = 0.0, osp.abspath(s.st1_checkpoint)
        if not osp.isfile(st1_ckpt):
            raise LearningRunError(f'stage-1 checkpoint not found: '
                                   f'{st1_ckpt}')
    else:
        st1_seconds = run_tool(train_command(
            s.st1_config, st1_dir,
            _train_options(s, data_root, s.st1_config, s.st1_epochs) +
            list(s.st1_cfg_options)), osp.join(logs, 'train_st1.log'), env,
            s.fork_tools)
        st1_ckpt = last_checkpoint(st1_dir)
    if s.st1_only:
        st2_seconds, st2_ckpt = 0.0, None
        print(f'[2/5] trained stage 1 ({st1_seconds:.0f}s): {st1_ckpt}',
              flush=True)
    else:
        st2_seconds = run_tool(train_command(
            s.st2_config, st2_dir, [f'load_from={st1_ckpt}'] +
            _train_options(s, data_root, s.st2_config, s.st2_epochs) +
            list(s.st2_cfg_options)), osp.join(logs, 'train_st2.log'), env,
            s.fork_tools)
        st2_ckpt = last_checkpoint(st2_dir)
        print(f'[2/5] trained stage 1 ({st1_seconds:.0f}s) and stage 2 '
              f'({st2_seconds:.0f}s): {st2_ckpt}', flush=True)
    return dict(train_seconds=st1_seconds + st2_seconds,
                st1_seconds=st1_seconds, st2_seconds=st2_seconds,
                st1_checkpoint=st1_ckpt, st2_checkpoint=st2_ckpt)


#: the tracker of a stage-1 model keeps the first frame as its dynamic
#: template: its score head is untrained (a sigmoid score never exceeds 1)
NO_TEMPLATE_UPDATE = 'model.test_cfg.update_score_thr=1.0'


def _track(s: LearningSettings, data_root: str, work_dir: str,
           checkpoint: str) -> Tuple[float, float]:
    """Success AUC of the trained and the untrained model on ``val``."""
    env, logs = tool_env(s.threads), osp.join(work_dir, 'logs')
    options = [f'test_dataloader.dataset.data_root={data_root}',
               f'randomness.seed={s.seed}']
    config = s.st2_config
    if s.st1_only:
        config = s.st1_config
        options.append(NO_TEMPLATE_UPDATE)
    start = time.perf_counter()
    aucs = []
    for name, ckpt in (('trained', checkpoint), ('untrained', None)):
        out = osp.join(work_dir, f'test_{name}')
        run_tool(test_command(config, ckpt, out, options),
                 osp.join(logs, f'test_{name}.log'), env, s.fork_tools)
        aucs.append(read_test_auc(out))
    print(f'[3/5] success AUC on {s.val_videos} val videos: trained '
          f'{aucs[0]:.3f}, untrained {aucs[1]:.3f} '
          f'({time.perf_counter() - start:.0f}s)', flush=True)
    return aucs[0], aucs[1]


def _score_head(s: LearningSettings, data_root: str, checkpoint: str,
                st1_checkpoint: str) -> dict:
    start = time.perf_counter()
    scores, labels, control = score_samples(
        s.st2_config, checkpoint, data_root, s.roc_samples, s.seed,
        control_from=st1_checkpoint)
    auc, control_auc = roc_auc(scores, labels), roc_auc(control, labels)
    gain, gain_se = log_loss_gain(scores, control, labels)
    n_pos = int(labels.sum())
    n_neg = int((1 - labels).sum())
    print(f'[5/5] score head ROC AUC {auc:.3f} (without stage 2\'s gradient '
          f'updates {control_auc:.3f}), log-loss gain '
          f'{gain:+.4f} +- {gain_se:.4f} on {len(labels)} held-out samples '
          f'({n_pos} positive) ({time.perf_counter() - start:.0f}s)',
          flush=True)
    return dict(score_roc_auc=auc, roc_positives=n_pos, roc_negatives=n_neg,
                control_score_roc_auc=control_auc,
                score_log_loss_gain=gain, score_log_loss_gain_se=gain_se)


def verify_training(s: LearningSettings,
                    criterion: LearningCriterion = LearningCriterion()
                    ) -> dict:
    """Run the five steps; write and return ``WORK_DIR/verify_training.json``
    (success AUCs and the score ROC AUC as fractions in [0, 1], seconds,
    checkpoints, settings, and the verdict of ``criterion``).

    Raises:
        LearningRunError: a tool failed or left no result.
    """
    work_dir = osp.abspath(s.work_dir)
    os.makedirs(osp.join(work_dir, 'logs'), exist_ok=True)
    torch.set_num_threads(s.threads)
    register_all_modules(init_default_scope=True)
    total_start = time.perf_counter()
    data_root = osp.join(work_dir, 'data')
    _make_data(s, data_root)
    trained = _train(s, data_root, work_dir)
    final = trained['st2_checkpoint'] or trained['st1_checkpoint']
    trained_auc, untrained_auc = _track(s, data_root, work_dir, final)
    static = static_auc(s.st2_config, data_root)
    print(f'[4/5] success AUC of staying at the first box: {static:.3f}',
          flush=True)
    if s.st1_only:
        score = dict(score_roc_auc=None, roc_positives=0, roc_negatives=0,
                     control_score_roc_auc=None, score_log_loss_gain=None,
                     score_log_loss_gain_se=None)
        print('[5/5] no score head ROC: stage 1 only', flush=True)
    else:
        score = _score_head(s, data_root, final,
                            trained['st1_checkpoint'])
    result = dict(
        stages=s.stages,
        trained_auc=trained_auc, untrained_auc=untrained_auc,
        static_auc=static, score_roc_auc=score['score_roc_auc'],
        train_seconds=trained['train_seconds'],
        margin_over_best_baseline=trained_auc - max(untrained_auc, static),
        score_roc_auc_lower_bound=None if s.st1_only else
        roc_auc_lower_bound(score['score_roc_auc'], score['roc_positives'],
                            score['roc_negatives'], criterion.confidence),
        st1_seconds=trained['st1_seconds'],
        st2_seconds=trained['st2_seconds'],
        total_seconds=time.perf_counter() - total_start,
        roc_positives=score['roc_positives'],
        roc_negatives=score['roc_negatives'],
        control_score_roc_auc=score['control_score_roc_auc'],
        score_log_loss_gain=score['score_log_loss_gain'],
        score_log_loss_gain_se=score['score_log_loss_gain_se'],
        st1_checkpoint=trained['st1_checkpoint'],
        st2_checkpoint=trained['st2_checkpoint'],
        settings={k: list(v) if isinstance(v, tuple) else v
                  for k, v in asdict(s).items() if k != 'work_dir'})
    result['criterion'] = criterion.to_dict()
    result['learning_failures'] = learning_failures(result, criterion)
    atomic_write_json(osp.join(work_dir, 'verify_training.json'), result)
    return result


def run_learning_proof(s: LearningSettings, check: bool = False,
                       criterion: LearningCriterion = LearningCriterion()
                       ) -> int:
    """:func:`verify_training`, its summary printed; the exit status: 1
    when a step failed, or with ``check`` when the numbers do not show
    learning (the reasons on stderr), else 0."""
    try:
        result = verify_training(s, criterion)
    except LearningRunError as err:
        print(f'verify_training: {err}', file=sys.stderr)
        return 1
    print(json.dumps({k: result[k] for k in SUMMARY_KEYS}, indent=2))
    out = osp.join(osp.abspath(s.work_dir), 'verify_training.json')
    print(f'written to {out}')
    failures = result['learning_failures']
    print('learning shown' if not failures else
          'learning NOT shown:\n  ' + '\n  '.join(failures))
    if check and failures:
        print('verify_training: the numbers do not show learning',
              file=sys.stderr)
        return 1
    return 0
