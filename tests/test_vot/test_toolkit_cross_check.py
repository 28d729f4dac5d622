"""The VOT toolkit and ``tools/test.py`` run the same experiments with the
same model on the same sequences and agree.

Toolkit side: the session's ``toolkit_run`` (vot-toolkit 0.7.4 driving
``python -m stark_plugin.vot`` over TraX; ``vot analysis``). Test-tool
side: ``tools/test.py`` with VOTTestLoop and VOTMetric, once per
experiment of the same stack, with ``test_cfg.report_masks=True`` (a
target given as a mask is reported as the mask of its box, what the TraX
tracker answers) and the tracker process's torch threads. One sequence
has mask ground truth, one rectangle ground truth.

What TraX transports: masks run-length coded (exactly) and codes as they
are; a rectangle as text with four decimals (libtrax's ``region_string``
writes ``%.4f`` a value, ``region_parse`` reads it with ``atof`` into a C
float). The toolkit therefore stores ``float32(round(v, 4))`` of the
tracker's float32 value ``v``: ``|difference| <= 5e-5`` plus half a
float32 ulp (3.8e-6 below 128 px). That is the comparison of
trajectories: identical codes (``1``/``2``/``0``), identical masks, and
rectangles equal to that transport to the last bit.

Numbers: ``eval_results.py`` on the toolkit's own result folder gives
``vot analysis``'s numbers within 1e-6. ``tools/test.py`` analyses its
own trajectories, whose rectangles lack the transport rounding. The
toolkit's overlap rasterises a rectangle from ``np.round`` of x, y, w and
h, so the rounding can move a pixel row or column only where a value lies
within 5e-5 of a half pixel; masks are the same on both sides. For a frame
whose two rasters A (test tool) and A' (toolkit) differ, the overlaps with
the ground truth G differ by at most the Jaccard distance
``d(A, A') = 1 - IoU(A, A')`` (a metric: ``|d(A, G) - d(A', G)| <= d(A,
A')``). Every number of these experiments is a weighted mean of per-frame
overlaps whose weights come from the codes (identical), the anchors and
lengths, and for multistart from which overlaps are at most its failure
threshold; with no overlap on different sides of that threshold (checked)
each number moves by at most the largest ``d`` over the frames. The
tolerance is therefore ``1e-6 + max d``; it is 1e-6 when no raster moved.
"""
import glob
import json
import os.path as osp
from typing import Dict, Tuple

import numpy as np
import pytest
import torch
from mmengine.config import Config

from stark_plugin.evaluation.functional.vot import Regions, region_overlaps
from stark_plugin.fileio.vot import read_dataset
from stark_plugin.testing.scripts import import_script

from .conftest import CHECKPOINT, CONFIG, TRACKER
from .toolkit_run import (REPO, STACK, assert_numbers_match,
                          assert_same_region, eval_results, experiment_runs,
                          stack_experiments, toolkit_numbers)

pytestmark = pytest.mark.slow(seconds=65)

TEST_CONFIG = osp.join(REPO, 'tests', 'data', 'configs',
                       'stark_st2_tiny_synth_vot.py')
TOLERANCE = 1e-6


def _logged_metrics(work_dir: str) -> Dict[str, float]:
    files = sorted(glob.glob(osp.join(work_dir, '*', '*.json')))
    with open(files[-1]) as f:
        logged = json.loads(f.readlines()[-1])
    return {k[len('vot/'):]: v for k, v in logged.items()
            if k.startswith('vot/')}


@pytest.fixture(scope='module')
def test_tool(toolkit_run, tmp_path_factory) -> Dict[str, dict]:
    """``{experiment: {'results': <tracker folder>, 'metrics': logged}}``
    of tools/test.py, one run per experiment of the stack."""
    assert Config.fromfile(TEST_CONFIG).model == \
        Config.fromfile(CONFIG).model, 'not the toolkit tracker\'s model'
    assert torch.get_num_threads() == toolkit_run.threads
    tool = import_script(osp.join(REPO, 'tools', 'test.py'))
    tracker = Config.fromfile(TEST_CONFIG).test_cfg.tracker_name
    out = {}
    for experiment in stack_experiments():
        work = str(tmp_path_factory.mktemp(f'test_tool_{experiment}'))
        assert tool.main([
            TEST_CONFIG, CHECKPOINT, '--work-dir', work, '--cfg-options',
            f'test_dataloader.dataset.data_root={toolkit_run.sequences}',
            f'test_evaluator.stack={STACK}',
            f'test_evaluator.experiment={experiment}',
            'test_cfg.report_masks=True'
        ]) == 0
        out[experiment] = dict(
            results=osp.join(work, 'vot_results', tracker),
            metrics=_logged_metrics(work))
    return out


def _run_pairs(toolkit_run, test_tool):
    """``(experiment, kind, sequence, run key, toolkit regions, test-tool
    regions, analysed frames)`` of every run of both sides."""
    for experiment, spec in stack_experiments().items():
        for seq in read_dataset(toolkit_run.sequences):
            # forward anchors only: a multistart run covers anchor..end
            assert not (seq.values['anchor'] < 0).any(), seq.name
            theirs = experiment_runs(toolkit_run.results, experiment,
                                     spec['type'], seq)
            ours = experiment_runs(test_tool[experiment]['results'],
                                   experiment, spec['type'], seq)
            assert sorted(theirs) == sorted(ours), (experiment, seq.name)
            for key in theirs:
                frames = range(key, seq.length) if \
                    spec['type'] == 'multistart' else range(seq.length)
                yield (experiment, spec['type'], seq, key, theirs[key],
                       ours[key], list(frames))


def test_trajectories_agree(toolkit_run, test_tool):
    seen = {'code 2': 0, 'mask': 0, 'rectangle': 0}
    for experiment, _, seq, key, theirs, ours, frames in _run_pairs(
            toolkit_run, test_tool):
        where = f'{experiment}/{seq.name}/{key}'
        assert len(theirs) == len(ours) == len(frames), where
        for i, (a, b) in enumerate(zip(theirs, ours)):
            assert_same_region(a, b, f'{where} line {i}')
            if isinstance(b, int):
                seen['code 2'] += b == 2
            else:
                seen['mask' if hasattr(b, 'mask') else 'rectangle'] += 1
    # the comparison met failures, masks and rectangles
    assert all(seen.values()), seen


def test_eval_results_on_the_toolkit_folder_is_vot_analysis(
        toolkit_run, tmp_path):
    expected = toolkit_numbers(toolkit_run.report, TRACKER)
    got = eval_results(toolkit_run.sequences, toolkit_run.results,
                       str(tmp_path / 'vot.json'))
    assert set(got) == set(expected) == set(stack_experiments())
    assert assert_numbers_match(expected, got, TOLERANCE) >= 10


def _multistart_thresholds(report: dict) -> Dict[str, float]:
    out = {}
    for experiment, entry in report['results'].items():
        for analysis in entry['parameters']['analyses']:
            if analysis['type'].startswith('vot.analysis.multistart.'):
                out.setdefault(experiment, set()).add(analysis['threshold'])
    assert all(len(v) == 1 for v in out.values()), out
    return {e: v.pop() for e, v in out.items()}


def derived_tolerance(toolkit_run, test_tool) -> Tuple[float, int]:
    """``1e-6 + max d`` over the analysed frames (see the module
    docstring) and the number of frames whose rasters differ; asserts
    that no multistart overlap lies on the other side of the threshold on
    the two sides."""
    thresholds = _multistart_thresholds(toolkit_run.report)
    worst, moved = 0.0, 0
    for experiment, kind, seq, _, theirs, ours, frames in _run_pairs(
            toolkit_run, test_tool):
        size = (seq.width, seq.height)
        regions = [i for i, r in enumerate(ours) if not isinstance(r, int)]
        a = Regions.from_list([ours[i] for i in regions])
        b = Regions.from_list([theirs[i] for i in regions])
        distance = 1.0 - region_overlaps(a, b, size)
        worst = max(worst, float(distance.max(initial=0.0)))
        moved += int((distance > 0).sum())
        if kind == 'multistart':
            gt = Regions.from_list(seq.groundtruth).take(
                [frames[i] for i in regions])
            low_a = region_overlaps(a, gt, size) <= thresholds[experiment]
            low_b = region_overlaps(b, gt, size) <= thresholds[experiment]
            assert np.array_equal(low_a, low_b), (experiment, seq.name)
    return TOLERANCE + worst, moved


def test_test_tool_numbers_are_the_toolkits(toolkit_run, test_tool):
    """Every number tools/test.py logs for the three experiments equals
    the toolkit's within the derived tolerance (module docstring)."""
    tolerance, moved = derived_tolerance(toolkit_run, test_tool)
    toolkit = toolkit_numbers(toolkit_run.report, TRACKER)
    logged = {e: run['metrics'] for e, run in test_tool.items()}
    # the scalars (ar_point, a pair, is not logged)
    expected = {e: {n: v for n, v in numbers.items() if n in logged[e]}
                for e, numbers in toolkit.items()}
    assert all(expected.values()), (toolkit, logged)
    assert assert_numbers_match(expected, logged, tolerance) >= 10
    print(f'\nwithin {tolerance:.3g} ({moved} frames whose rasters differ)')
    for e, numbers in expected.items():
        print(e, {n: (logged[e][n], v) for n, v in numbers.items()})
