"""vot-toolkit itself runs STARK end to end, offline: a workspace written
by ``python -m stark_plugin.vot workspace`` on generated sequences (one
with mask, one with rectangle ground truth), ``vot evaluate`` of the
supervised (reset), multistart and unsupervised experiments of the kept
run's stack, then ``vot analysis`` (the session's ``toolkit_run``).

The toolkit's trajectories are checked against SOTInferencer on the same
frames (unsupervised; the multistart run from frame 0 is the same run).
"""
import os.path as osp

import pytest

from stark_plugin.apis import SOTInferencer, init_model
from stark_plugin.fileio.frames import read_frame
from stark_plugin.fileio.vot import read_anchor_runs, read_dataset, read_runs
from stark_plugin.vot.regions import (MASK, RECTANGLE, box_from_region,
                                      region_kind, reply_region)

from .conftest import CHECKPOINT, CONFIG, TOOLKIT
from .toolkit_run import assert_same_region, check_complete, \
    stack_experiments

pytestmark = pytest.mark.slow


def test_every_experiment_writes_every_sequence(toolkit_run):
    check_complete(toolkit_run.results, toolkit_run.sequences)


def test_trajectories_are_the_inferencers(toolkit_run):
    """The toolkit gives masks of a mask ground truth and rectangles of a
    rectangle one: the tracker starts from their boxes and answers box
    masks or rectangles (as TraX carries them)."""
    model = init_model(CONFIG, CHECKPOINT)
    kinds = set()
    for seq in read_dataset(toolkit_run.sequences):
        frames = [read_frame(osp.join(seq.path, 'color', f'{i + 1:08d}.jpg'))
                  for i in range(seq.length)]
        inferencer = SOTInferencer(model)
        inferencer.init(frames[0], box_from_region(seq.groundtruth[0]))
        kind = region_kind(seq.groundtruth[0])
        kinds.add(kind)
        expected = [reply_region(inferencer.track(f)['box'], kind,
                                 (seq.width, seq.height))
                    for f in frames[1:]]
        unsupervised, = read_runs(osp.join(toolkit_run.results,
                                           'unsupervised'), seq.name)
        from_zero = read_anchor_runs(osp.join(toolkit_run.results,
                                              'multistart'), seq.name, [0])[0]
        for trajectory in (unsupervised, from_zero):
            assert trajectory[0] == 1  # the toolkit's initialisation code
            for i, (got, want) in enumerate(zip(trajectory[1:], expected)):
                assert_same_region(got, want, f'{seq.name} frame {i + 1}')
        confidence = osp.join(toolkit_run.results, 'unsupervised', seq.name,
                              f'{seq.name}_001_confidence.value')
        assert osp.isfile(confidence)
    assert kinds == {MASK, RECTANGLE}


def test_analysis_runs_offline(toolkit_run):
    report = toolkit_run.report
    assert report['toolkit'] == TOOLKIT
    assert set(report['results']) == set(stack_experiments())
