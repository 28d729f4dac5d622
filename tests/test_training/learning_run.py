"""Running ``tools/analysis/verify_training.py`` as the learning tests do:
one stage per test, so that the two run on different pytest-xdist workers.

Both use the data of the run that made the stored stage-1 checkpoint
(``tests/data/learning/README.md``): seed 0, 200 train videos of 20 frames,
6 val videos of 60 frames, batches of 8, epochs of 1600 samples.
"""
import json
import os.path as osp
import subprocess
from typing import List, Tuple

from stark_plugin.testing.tool_process import run_tool

REPO_ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
SCRIPT = osp.join(REPO_ROOT, 'tools', 'analysis', 'verify_training.py')
#: the stage-1 weights stage 2 starts from (how they were made: the README
#: beside them)
STORED_ST1 = osp.join(REPO_ROOT, 'tests', 'data', 'learning',
                      'tiny_st1_seed0.pth')
DATA = ['--seed', '0', '--videos', '200', '--frames', '20',
        '--val-videos', '6', '--val-frames', '60',
        '--samples-per-epoch', '1600', '--batch-size', '8']
#: the longer (stage-1) run took 205-265 s on one pytest-xdist worker of 2
#: cores (2026-12-03, 4 epochs); the limit keeps more than 3x of that
TIMEOUT_S = 1800


def run_verify_training(work_dir: str,
                        args: List[str]) -> Tuple[subprocess.CompletedProcess,
                                                  dict]:
    """Run the tool with ``--check``; its process and its JSON report. The
    tool and the tools it runs (``--fork-tools``) are forked from
    processes that imported torch, mmengine and mmdet once; the
    multi-process tests start ``tools/train.py`` and ``tools/test.py`` in
    fresh interpreters."""
    proc = run_tool(
        [SCRIPT, '--work-dir', str(work_dir), '--check', '--fork-tools'] +
        DATA + args, cwd=REPO_ROOT, timeout=TIMEOUT_S)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    with open(osp.join(work_dir, 'verify_training.json')) as f:
        result = json.load(f)
    for key in ('trained_auc', 'untrained_auc', 'static_auc'):
        assert 0.0 <= result[key] <= 1.0, (key, result[key])
    assert result['train_seconds'] > 0
    # the numbers printed are the numbers written
    assert f'"trained_auc": {result["trained_auc"]}' in proc.stdout
    assert 'learning shown' in proc.stdout
    return proc, result
