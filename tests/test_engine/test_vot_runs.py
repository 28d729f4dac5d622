"""The tracking side of the VOT experiments with a scripted tracker: the
reset rule of the supervised experiment, anchor and one-pass runs."""
import numpy as np
import pytest

from stark_plugin.engine.vot_runs import init_box, run_frames, run_supervised
from stark_plugin.evaluation.functional.vot import Regions, region_overlaps
from stark_plugin.fileio.vot import VOTMask, mask_from_box, region_box

SIZE = (100, 80)  # W, H


class ScriptedTracker:
    """Reports the ground truth box, or a scripted box on some frames;
    records every initialisation (frame, box) and every update frame."""

    def __init__(self, gt_boxes, script=None):
        self.gt = gt_boxes
        self.script = script or {}
        self.inits, self.updates = [], []

    def initialize(self, index, box):
        self.inits.append((index, list(box)))
        return 0.01

    def update(self, index):
        self.updates.append(index)
        box = self.script.get(index, self.gt[index])
        return np.asarray(box, np.float32), 0.5 + index / 100, 0.02


def _gt(n):
    return [np.array([10 + i, 20, 30, 20], np.float32) for i in range(n)]


def test_failure_skips_and_reinitialises():
    n, skip = 20, 5
    gt = _gt(n)
    far = [80, 60, 10, 10]  # no overlap with any ground truth box
    tracker = ScriptedTracker(gt, {4: far, 12: far})
    run = run_supervised(tracker, gt, SIZE, skip_initialize=skip)
    codes = [r if isinstance(r, int) else 'box' for r in run.regions]
    assert codes[0] == 1 and codes[4] == 2 and codes[12] == 2
    assert codes[5:9] == [0] * (skip - 1) and codes[9] == 1
    assert codes[13:17] == [0] * (skip - 1) and codes[17] == 1
    assert [i for i, _ in tracker.inits] == [0, 4 + skip, 12 + skip]
    np.testing.assert_array_equal(tracker.inits[1][1], gt[4 + skip])
    skipped = set(range(5, 9)) | set(range(13, 17)) | {0, 9, 17}
    assert set(tracker.updates) == set(range(n)) - skipped
    assert all(np.array_equal(run.regions[i], gt[i]) for i in range(n)
               if codes[i] == 'box')
    # times of every processed frame, none on skipped ones
    assert [t is None for t in run.times] == [
        i in skipped - {0, 9, 17} for i in range(n)]
    assert run.confidences[0] is None and run.confidences[4] == 0.54


def test_failure_near_the_end_leaves_unknown_frames():
    gt = _gt(8)
    run = run_supervised(ScriptedTracker(gt, {5: [80, 60, 10, 10]}), gt,
                         SIZE, skip_initialize=5)
    assert run.regions[5] == 2 and run.regions[6:] == [0, 0]


def test_overlap_is_bounded_by_the_image():
    """The ground truth pokes out of the image on the left; a box that
    meets it only outside the image fails (the toolkit's bounded
    overlap), one that meets it inside does not."""
    gt = [np.array([-20, 10, 30, 20], np.float32)] * 4
    inside = [2, 10, 10, 20]
    outside = [-25, 10, 10, 20]  # overlaps the gt at x < 0 only
    unbounded = region_overlaps(Regions.from_list([outside]),
                                Regions.from_list(gt[:1]), None)
    assert unbounded[0] > 0
    run = run_supervised(ScriptedTracker(gt, {1: inside, 2: outside}), gt,
                         SIZE, skip_initialize=1)
    np.testing.assert_array_equal(run.regions[1], inside)
    assert run.regions[2] == 2 and run.regions[3] == 1


def test_failure_overlap_threshold_and_skip_tags():
    gt = _gt(14)
    slight = [38, 20, 30, 20]  # overlaps gt[2] by 2 of 58 columns
    tags = np.zeros(14, bool)
    tags[5:8] = True  # re-initialisation moves past tagged frames
    tracker = ScriptedTracker(gt, {2: slight})
    run = run_supervised(tracker, gt, SIZE, skip_initialize=3,
                         failure_overlap=0.1, skip_tags=tags)
    assert run.regions[2] == 2 and run.regions[3:8] == [0] * 5
    assert run.regions[8] == 1 and tracker.inits[1][0] == 8
    lenient = run_supervised(ScriptedTracker(gt, {2: slight}), gt, SIZE,
                             skip_initialize=3)
    assert not isinstance(lenient.regions[2], int)


def test_polygon_and_mask_ground_truth_start_from_their_boxes():
    poly = np.array([[10, 10], [40, 12], [38, 30], [8, 28]], np.float32)
    gt = [poly] * 5
    tracker = ScriptedTracker([np.array([8, 10, 32, 20])] * 5)
    run = run_frames(tracker, gt, range(5))
    assert tracker.inits == [(0, [8.0, 10.0, 32.0, 20.0])]
    assert run.regions[0] == 1 and len(run.regions) == 5


def test_backward_anchor_runs_in_reverse():
    gt = _gt(10)
    tracker = ScriptedTracker(gt)
    run = run_frames(tracker, gt, range(6, -1, -1))
    assert tracker.inits[0][0] == 6 and tracker.updates == [5, 4, 3, 2, 1, 0]
    assert len(run.regions) == 7
    np.testing.assert_array_equal(run.regions[1], gt[5])


def test_cannot_start_on_unknown_or_empty_ground_truth():
    gt = _gt(4)
    gt[2] = 0  # unknown (a nan line)
    gt[3] = np.zeros(4, np.float32)  # empty
    assert init_box(gt, 0, 'seq') == [10, 20, 30, 20]
    for frame in (2, 3):
        with pytest.raises(ValueError, match=f'seq: .* on frame {frame}'):
            init_box(gt, frame, 'seq')
    with pytest.raises(ValueError, match='frame 2'):
        run_supervised(ScriptedTracker(_gt(4), {1: [80, 60, 5, 5]}), gt,
                       SIZE, skip_initialize=1, where='seq')


def test_mask_targets_reported_as_masks_are_judged_as_masks():
    """A box whose rectangle raster (rows round(y) .. round(y) + round(h)
    - 1 = 17..36) misses the mask ground truth (rows 37..52) fails as a
    box; its mask (rows round(y) .. round(y + h) - 1 = 17..37, what the
    TraX tracker answers) meets the ground truth: no failure there with
    report_masks. Rectangle ground truth is reported as boxes either
    way."""
    gt = [VOTMask(np.ones((16, 23), np.uint8), (21, 37))] * 3
    box = [17.126339, 17.47806, 21.941912, 20.482334]
    boxes = [region_box(r) for r in gt]
    plain = run_supervised(ScriptedTracker(boxes, {1: box}), gt, SIZE,
                           skip_initialize=1)
    assert plain.regions[1] == 2
    masks = run_supervised(ScriptedTracker(boxes, {1: box}), gt, SIZE,
                           skip_initialize=1, report_masks=True)
    want = mask_from_box(box, *SIZE)
    for got in (masks.regions[1], run_frames(
            ScriptedTracker(boxes, {1: box}), gt, range(3), size=SIZE,
            report_masks=True).regions[1]):
        assert isinstance(got, VOTMask) and got.offset == want.offset
        np.testing.assert_array_equal(got.mask, want.mask)
    assert isinstance(masks.regions[2], VOTMask)
    rects = [np.asarray(b, np.float32) for b in boxes]
    run = run_supervised(ScriptedTracker(boxes, {1: box}), rects, SIZE,
                         skip_initialize=1, report_masks=True)
    assert run.regions[1] == 2  # the rectangle raster misses, as above
    with pytest.raises(ValueError, match='image size'):
        run_frames(ScriptedTracker(boxes), gt, range(3), report_masks=True)
