"""Running ``tools/train.py`` and ``tools/test.py`` as a user would, and
reading what they leave behind."""
import glob
import json
import os
import os.path as osp
import subprocess
import sys
import time
from typing import Dict, List, Optional

from mmengine.config import Config

from stark_plugin.checkpoint.safe_load import check_last_checkpoint

from ..paths import SOURCE_ROOT, TOOLS_DIR
from ..tool_process import run_tool_to_log

#: the success AUC key that ``tools/test.py`` logs
AUC_KEY = 'sot/success_auc'
TRAIN_TOOL = osp.join(TOOLS_DIR, 'train.py')
TEST_TOOL = osp.join(TOOLS_DIR, 'test.py')


class LearningRunError(RuntimeError):
    """A step of the learning run failed (the message says which, and
    where its log is)."""


def tool_env(threads: int) -> Dict[str, str]:
    """The environment of the tools: ``threads`` OpenMP / BLAS threads and
    the source checkout first on ``PYTHONPATH``."""
    env = dict(os.environ)
    for key in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS',
                'OPENBLAS_NUM_THREADS'):
        env[key] = str(threads)
    env['PYTHONPATH'] = os.pathsep.join(
        [SOURCE_ROOT] + [p for p in [env.get('PYTHONPATH')] if p])
    return env


def run_tool(cmd: List[str], log_path: str, env: Dict[str, str],
             fork: bool = False) -> float:
    """Run a tool (``[sys.executable, SCRIPT, *args]``), its output to
    ``log_path``; seconds taken. ``fork``: in a child forked from a
    process that imported torch, mmengine and mmdet once
    (:mod:`..tool_process`) instead of a fresh interpreter. Raises
    :class:`LearningRunError` with the log's tail when it fails."""
    print(f'$ {" ".join(cmd)}\n  (log: {log_path})', flush=True)
    start = time.perf_counter()
    if fork:
        returncode = run_tool_to_log(cmd[1:], log_path, env=env,
                                     cwd=SOURCE_ROOT)
    else:
        with open(log_path, 'w') as log:
            returncode = subprocess.run(
                cmd, stdout=log, stderr=subprocess.STDOUT, env=env,
                cwd=SOURCE_ROOT).returncode
    seconds = time.perf_counter() - start
    if returncode != 0:
        with open(log_path) as f:
            tail = ''.join(f.readlines()[-30:])
        raise LearningRunError(f'{cmd[1]} failed with exit code '
                               f'{returncode} (log {log_path}):\n{tail}')
    return seconds


def train_command(config: str, work_dir: str, options: List[str]) -> List[str]:
    """``python tools/train.py CONFIG --work-dir DIR --cfg-options ...``."""
    return [sys.executable, TRAIN_TOOL, config, '--work-dir', work_dir,
            '--cfg-options'] + options


def test_command(config: str, checkpoint: Optional[str], work_dir: str,
                 options: List[str]) -> List[str]:
    """``python tools/test.py CONFIG [CHECKPOINT] --work-dir DIR
    --cfg-options ...`` (no checkpoint: the untrained model)."""
    return ([sys.executable, TEST_TOOL, config] +
            ([checkpoint] if checkpoint else []) +
            ['--work-dir', work_dir, '--cfg-options'] + options)


def scheduler_options(config: str, epochs: Optional[int]) -> List[str]:
    """Move the MultiStepLR milestones with ``epochs`` (same fractions)."""
    if epochs is None:
        return []
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
    """The checkpoint named in mmengine's ``last_checkpoint`` file of the
    run in ``work_dir`` (read by the package's checked reader)."""
    try:
        path = check_last_checkpoint(work_dir)
    except FileNotFoundError as err:
        raise LearningRunError(str(err)) from err
    if path is None:
        raise LearningRunError(f'no checkpoint in {work_dir} (no '
                               'last_checkpoint record)')
    return path


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
    raise LearningRunError(f'no {AUC_KEY} logged under {work_dir}')
