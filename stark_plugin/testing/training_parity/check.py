"""The training parity run: every check on one fixture, as a table.

Kernels: on CPU the steps run with torch's native convolution kernels
(oneDNN off; ``mkldnn=True`` turns it on). The reason is the fixture, not
the code: in its stage-1 step the corner head's train-mode BatchNorm
backward cancels most of its incoming gradient, which amplifies float32
rounding differences about 100-fold, and oneDNN's convolution kernels
round differently per CPU instruction set. Measured on an AVX2 CPU: the
clipping total norm is 1.6e-3 (relative) off the official value with
oneDNN and 8e-6 with the native kernels, the same as a float64 run of this
code.
"""
import logging
import os.path as osp
import sys
import warnings
from typing import Dict, Optional

import torch
from mmengine.config import Config
from mmengine.logging import MMLogger

from ...fileio.atomic import atomic_write_json
from ...models.synthetic_weights import materialize_manifest
from ...setup_env import register_all_modules
from ..paths import CONFIG_DIR
from .facts import check_facts
from .fixture import Fixture, FixtureError, stage_of
from .model import build_model
from .processing import (build_processing, check_batch, check_processing,
                         make_batch, run_processing)
from .report import Report
from .step import run_step

#: the shipped R50 configs whose training the fixture recorded
DEFAULT_CONFIGS = dict(
    st1=osp.join(CONFIG_DIR, 'stark_st1_r50_500e_got10k.py'),
    st2=osp.join(CONFIG_DIR, 'stark_st2_r50_50e_got10k.py'))


def check_training_parity(fixture: str,
                          st1_config: str = DEFAULT_CONFIGS['st1'],
                          st2_config: str = DEFAULT_CONFIGS['st2'],
                          threads: Optional[int] = None,
                          json_path: Optional[str] = None,
                          mkldnn: bool = False) -> int:
    """Check the training path against the fixture folder ``fixture``.

    Prints one table (check, measured, tolerance, pass), writes it to
    ``json_path`` when given, and returns the exit status: 0 when every
    row passes, 1 on a failing row or on a fixture it cannot read fully
    (the reason on stderr). ``threads`` sets torch's CPU threads for the
    run; ``mkldnn`` runs the steps with oneDNN kernels.
    """
    saved_threads = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    register_all_modules()
    # keep the table readable: mmengine's per-parameter optimizer notes and
    # mmcv's conv-bias warning are expected here
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings('ignore', message='Unnecessary conv bias')
            warnings.filterwarnings('ignore', message='TF32 acceleration')
            return _check(fixture, dict(st1=st1_config, st2=st2_config),
                          json_path, mkldnn)
    finally:
        logger.setLevel(level)
        torch.set_num_threads(saved_threads)


def _check(folder: str, configs: Dict[str, str], json_path: Optional[str],
           mkldnn: bool) -> int:
    print(f'fixture {osp.abspath(folder)}; torch {torch.__version__}, '
          f'{torch.get_num_threads()} threads, '
          f'{"oneDNN" if mkldnn else "native"} CPU kernels')
    report = Report()
    try:
        _run_checks(report, Fixture(folder), configs, mkldnn)
    except FixtureError as err:
        if report.rows:
            report.print()
        print(f'error: {err}', file=sys.stderr)
        return 1
    report.print()
    if json_path:
        atomic_write_json(json_path, dict(fixture=osp.abspath(folder),
                                          rows=report.rows,
                                          passed=report.passed))
    return 0 if report.passed else 1


def _run_checks(report: Report, fixture: Fixture, configs: Dict[str, str],
                mkldnn: bool) -> None:
    """Processing, batch, every recorded step, settings: rows in
    ``report``. Raises FixtureError on a fixture it cannot use."""
    cfg1 = Config.fromfile(configs['st1'])
    transforms = build_processing(cfg1, fixture)
    runs = run_processing(transforms, fixture)
    check_processing(report, transforms, fixture, runs)
    batch = make_batch(fixture, runs)
    state_dict = materialize_manifest(fixture.manifest, fixture.checksums)
    _, model, _ = build_model(configs['st1'], state_dict, 'train')
    check_batch(report, model, batch, fixture)
    del model
    for name, info, arrays in fixture.steps:
        stage = stage_of(info)
        run_step(report, name, info, arrays, configs[stage], state_dict,
                 batch, stage, mkldnn)
    check_facts(report, fixture.facts.get('facts', {}), configs)

