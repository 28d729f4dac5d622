"""Building the Runner from the tools, including multi-process on CPU."""
import argparse
import gc
import logging
import os
import os.path as osp
import re
import time
import traceback
from typing import Callable

import torch
import torch.distributed as torch_dist
from mmengine.config import Config, DictAction
from mmengine.dist import is_distributed
from mmengine.logging import MessageHub, MMLogger, print_log
from mmengine.registry import RUNNERS, DefaultScope
from mmengine.runner import Runner
from mmengine.visualization import Visualizer

from stark_plugin.datasets.collate import sot_collate
from stark_plugin.engine.hooks.resume_guard_hook import install_resume_guard
from stark_plugin.registry import FUNCTIONS


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    """``--work-dir``, ``--cfg-options``, ``--launcher``, ``--local-rank``."""
    parser.add_argument('--work-dir', help='where to save logs and results')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config settings, e.g. train_cfg.max_epochs=10 or '
        'model.test_cfg.update_intervals=[25]')
    parser.add_argument(
        '--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none', help='job launcher')
    # torch.distributed.launch passes --local-rank (torch>=2.0) or
    # --local_rank; torchrun sets the LOCAL_RANK environment variable.
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def load_config(args: argparse.Namespace) -> Config:
    """Read ``args.config`` and apply the common arguments to it.

    Also exports ``LOCAL_RANK`` when the launcher passed it as an argument.
    """
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    if not osp.isfile(args.config):
        raise FileNotFoundError(f'config file not found: {args.config}')
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    return cfg


def prepare_cpu_distributed(cfg: Config) -> None:
    """Make ``--launcher pytorch`` work without CUDA (gloo backend).

    mmengine 0.10.7 calls ``torch.cuda.set_device`` while initialising the
    process group and wraps the model in DDP with ``device_ids=[rank]``;
    both fail on a CPU-only machine. Here the gloo group is created first
    (mmengine then skips its own init) and the DDP wrapper gets no device ids.
    """
    if cfg.get('launcher', 'none') != 'pytorch' or torch.cuda.is_available():
        return
    dist_cfg = cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
    if dist_cfg.get('backend', 'gloo') != 'gloo':
        print_log(f'no CUDA device: using the gloo backend instead of '
                  f'{dist_cfg["backend"]}', logger='current',
                  level=logging.WARNING)
    dist_cfg['backend'] = 'gloo'
    if not torch_dist.is_initialized():
        torch_dist.init_process_group(
            backend='gloo', rank=int(os.environ['RANK']),
            world_size=int(os.environ['WORLD_SIZE']))
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel', broadcast_buffers=False,
        find_unused_parameters=cfg.get('find_unused_parameters', False))
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper


def run_runner(cfg: Config, action: str) -> None:
    """Build the Runner (:func:`build_runner`), call ``runner.train()`` or
    ``runner.test()`` (``action``), then leave no process group behind.

    The ranks of a run that ended normally first wait for each other, so
    that none closes its connections while another still talks to it.
    The group is destroyed and the Runner freed while the interpreter is
    still whole: the model's DDP wrapper holds the group, and a gloo group
    whose threads are left to the interpreter's shutdown can abort a
    process that has finished its work (``terminate called without an
    active exception``, SIGABRT; torchrun then reports the run failed).
    """
    if action not in ('train', 'test'):
        raise ValueError(f"action must be 'train' or 'test', not {action!r}")
    runner = None
    try:
        runner = build_runner(cfg)  # may open the group, then fail
        getattr(runner, action)()
        if is_distributed():
            torch_dist.barrier()
    except BaseException as error:
        # the traceback's frames would keep the Runner alive; the printed
        # traceback does not need their local variables
        traceback.clear_frames(error.__traceback__)
        raise
    finally:
        runner = None
        _destroy_process_group()
        gc.collect()


def _destroy_process_group() -> None:
    if is_distributed():
        torch_dist.destroy_process_group()


def pin_memory_on_cuda(cfg: Config) -> None:
    """Pin the training batches in page-locked memory when CUDA is there
    (faster copies to the GPU), unless the config says otherwise; on CPU
    pinning only costs a copy."""
    loader = cfg.get('train_dataloader')
    if isinstance(loader, dict) and 'pin_memory' not in loader:
        loader['pin_memory'] = torch.cuda.is_available()


def no_persistent_workers_without_workers(cfg: Config) -> None:
    """Turn ``persistent_workers`` off in the loaders that run without
    workers (``num_workers=0``, e.g. set with ``--cfg-options`` to debug a
    pipeline): the shipped configs keep their workers, and torch's
    DataLoader refuses ``persistent_workers`` without any."""
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg.get(key)
        if (isinstance(loader, dict) and loader.get('num_workers', 0) == 0
                and loader.get('persistent_workers', False)):
            loader['persistent_workers'] = False


def size_block_pool(loader: dict) -> None:
    """Give ``sot_collate``'s block pool ``prefetch_factor + 2`` blocks
    when the loader sets a ``prefetch_factor`` and the collate function no
    pool size: the batches a worker has queued, the one in use and the
    one being released. Without it the batches beyond the default pool
    (4 blocks, for the DataLoader's default ``prefetch_factor`` of 2) go
    into new shared-memory blocks."""
    collate = loader.get('collate_fn')
    prefetch = loader.get('prefetch_factor')
    if (not isinstance(collate, dict) or prefetch is None
            or 'block_pool_size' in collate):
        return
    kind = collate.get('type')
    if isinstance(kind, str):  # scoped or not, as the tools' runs find it
        kind = FUNCTIONS.get(kind)
    if kind is sot_collate:
        collate['block_pool_size'] = int(prefetch) + 2


def _instance_names(*managers: type) -> set:
    """Names of the live instances of mmengine's named classes (and of
    their subclasses, which keep their own instance tables)."""
    names, classes = set(), list(managers)
    while classes:
        cls = classes.pop()
        names.update(cls._instance_dict)
        classes.extend(cls.__subclasses__())
    return names


def _first_free(base: str, taken: Callable[[str], bool]) -> str:
    if not taken(base):
        return base
    k = 2
    while taken(f'{base}_{k}'):
        k += 1
    return f'{base}_{k}'


# mmengine's start-second stamp in instance and log folder names
_STAMP_FORMAT = '%Y%m%d_%H%M%S'
_STAMP = r'\d{8}_\d{6}'  # what _STAMP_FORMAT writes


def keep_runs_apart(cfg: Config) -> None:
    """Give this run names no earlier run of this process used.

    mmengine hands an existing instance back for a name it has seen. It
    names a run's logger, message hub and default scope
    ``<experiment_name or config stem>_<start second>``, so a second run
    started in the same second in one process (a loop over checkpoints, a
    notebook) would report the first run's metrics beside its own; and
    configs name the visualizer (``name='visualizer'``), so every later run
    of the process would write its scalars into the first run's folder.
    Here a name already in use gets ``_2``, ``_3``, ... appended (a run
    mmengine would name by its start second alone is named ``run``,
    ``run_2``, ...); the first run keeps its names, and the log folder
    (``work_dir/<start second>``) does not change.
    """
    used = _instance_names(MessageHub, MMLogger, Visualizer, DefaultScope)

    def stamped(prefix: str) -> bool:
        pattern = re.compile(re.escape(prefix) + '_' + _STAMP)
        return any(pattern.fullmatch(name) for name in used)

    base = cfg.get('experiment_name')
    if base is None and cfg.filename:
        base = osp.splitext(osp.basename(cfg.filename))[0]
    if base is not None:
        name = _first_free(base, stamped)
        if name != base:
            cfg.experiment_name = name
    elif any(re.fullmatch(_STAMP, name) for name in used):
        # a config with neither file nor experiment_name: mmengine names
        # the run by its start second alone; later such runs get 'run'
        cfg.experiment_name = _first_free('run', stamped)
    visualizer = cfg.get('visualizer')
    if isinstance(visualizer, dict) and visualizer.get('name'):
        visualizer['name'] = _first_free(
            visualizer['name'], _instance_names(Visualizer).__contains__)


def start_in_a_new_log_second(work_dir: str) -> None:
    """Wait (at most about a second) until no log folder of ``work_dir``
    is named after the current second.

    mmengine names a run's log folder ``work_dir/<start second>`` and
    reuses one that exists: a run started in the same second as an
    earlier run of the work dir (a crash and an immediate restart by a
    script) would write its log over the earlier run's and add its
    scalars to the earlier run's file.
    """
    while osp.isdir(osp.join(work_dir, time.strftime(
            _STAMP_FORMAT, time.localtime(time.time())))):
        time.sleep(1.001 - time.time() % 1.0)


def build_runner(cfg: Config) -> Runner:
    """``RUNNERS.build`` when the config names a runner type, else Runner;
    with a :class:`~stark_plugin.engine.hooks.ResumeGuardHook` whatever
    hooks the config lists (a loaded checkpoint's stored config never
    runs), mmengine instance names and a log folder no earlier run
    used, and the loader settings above."""
    prepare_cpu_distributed(cfg)
    pin_memory_on_cuda(cfg)
    no_persistent_workers_without_workers(cfg)
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if isinstance(cfg.get(key), dict):
            size_block_pool(cfg[key])
    keep_runs_apart(cfg)
    if cfg.get('work_dir'):
        start_in_a_new_log_second(cfg.work_dir)
    if 'runner_type' in cfg:
        runner = RUNNERS.build(cfg)
    else:
        runner = Runner.from_cfg(cfg)
    install_resume_guard(runner)
    return runner
