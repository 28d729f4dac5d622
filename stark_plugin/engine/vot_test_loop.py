"""VOT test loop: run a VOT experiment with STARK, write the toolkit's
result folder, evaluate once."""
import logging
import os
import os.path as osp
from typing import Dict, List, Optional, Union

import numpy as np
from mmengine.evaluator import Evaluator
from mmengine.logging import print_log
from torch import nn
from torch.utils.data import DataLoader

from ..errors import InputError
from ..evaluation.functional.vot import (Regions, VOTExperiment,
                                         trajectories_equal)
from ..fileio.vot import (anchor_stem, existing_trajectory, read_run_values,
                          read_trajectory, run_stem, write_trajectory,
                          write_values)
from ..models.fast_inference import prepare_for_inference
from ..models.trackers.stark_tracker import StarkTracker
from ..registry import LOOPS
from .video_test_loop import VideoTestLoop
from .vot_runs import FrameTracker, TrackedRun, run_frames, run_supervised

__all__ = ['VOTTestLoop']


@LOOPS.register_module()
class VOTTestLoop(VideoTestLoop):
    """Run the VOT experiment of the evaluator's ``VOTMetric`` with STARK.

    The experiment (kind, ``skip_initialize``, ``failure_overlap``,
    repetitions, folder name) comes from the metric's stack, so tracking
    and analysis always use one definition. Results go to
    ``<results_dir>/<tracker_name>/<experiment>/<seq>/`` exactly as
    vot-toolkit writes them: ``<seq>_<run:03d>.txt`` (supervised,
    unsupervised) or ``<seq>_<anchor:08d>.txt`` (multistart), ``.bin``
    with ``results_binary``, plus ``_time.value`` (and
    ``_confidence.value`` when an analysis reads confidences). Each file
    is written atomically, trajectory last; rerun on the same work dir,
    existing complete trajectories are read instead of tracked (the
    toolkit's rule). Repetitions stop early after 3 equal runs, as the
    toolkit's do (a deterministic tracker makes 3 runs of a 15-run stack).

    Args:
        runner, dataloader, evaluator: as for any mmengine loop; the
            dataset must be a :class:`VOTDataset`.
        checkpoint: loaded strictly before tracking (``tools/test.py``).
        results_dir: relative to the work dir.
        tracker_name: the ``<tracker>`` folder.
        repetitions: override the stack's repetitions (e.g. 1 for a
            deterministic tracker); None keeps the stack's.
        results_binary: write the toolkit's binary format
            (``VOT_RESULTS_BINARY``).
        report_masks: a target whose ground truth (on the frame the
            tracker starts from) is a mask is reported as the mask of the
            tracked box (``mask_from_box``), and failures are judged on
            that mask: what ``python -m stark_plugin.vot`` answers the
            toolkit, so that this loop's runs are the toolkit's runs of
            that tracker. Off: boxes, as a tracker that reports rectangles.
        resume: reuse complete trajectories found in the folder.
    """

    def __init__(self, runner, dataloader: Union[DataLoader, Dict],
                 evaluator: Union[Evaluator, Dict, List],
                 checkpoint: Optional[str] = None,
                 results_dir: str = 'vot_results',
                 tracker_name: str = 'stark',
                 repetitions: Optional[int] = None,
                 results_binary: bool = False, report_masks: bool = False,
                 resume: bool = True) -> None:
        super().__init__(runner, dataloader, evaluator, checkpoint, resume)
        self.experiment = self._find_experiment(self.evaluator)
        reason = self.experiment.unsupported(tracking=True)
        if reason:
            raise NotImplementedError(reason)
        self.experiment_dir = osp.join(self.work_path(results_dir),
                                       tracker_name, self.experiment.name)
        if repetitions is not None and int(repetitions) < 1:
            raise InputError(f'repetitions must be >= 1, got {repetitions}')
        self.repetitions = int(repetitions or self.experiment.repetitions)
        self.binary = bool(results_binary)
        self.report_masks = bool(report_masks)
        self.stark: Optional[StarkTracker] = None

    @staticmethod
    def _find_experiment(evaluator: Evaluator) -> VOTExperiment:
        for metric in evaluator.metrics:
            if isinstance(getattr(metric, 'experiment', None),
                          VOTExperiment):
                return metric.experiment
        raise InputError('VOTTestLoop needs a VOTMetric in test_evaluator '
                         '(it defines the experiment to run)')

    def before_videos(self, model: nn.Module) -> None:
        self.stark = StarkTracker(prepare_for_inference(model))

    def run_video(self, video: dict) -> dict:
        tracker = FrameTracker(self.stark, video['img_paths'])
        return self._sample(video, self._run_video(tracker, video))

    @staticmethod
    def _sample(video: dict, result: dict) -> dict:
        return dict(video_name=video['video_name'],
                    video_index=video['video_index'],
                    groundtruth=video['groundtruth'],
                    image_size=tuple(video['image_size']),
                    anchors=video['anchors'], **result)

    # ------------------------------------------------------------ files
    def _read(self, stem: str, path: str) -> dict:
        regions = read_trajectory(path)
        conf = read_run_values(stem, 'confidence', len(regions)) \
            if self.experiment.reports_confidence else None
        return dict(regions=regions, confidence=conf)

    def _load(self, stem: str, length: int) -> Optional[dict]:
        """A complete earlier run, or None (absent, or of another length:
        then it is tracked again)."""
        path = existing_trajectory(stem) if self.resume else None
        if path is None:
            return None
        loaded = self._read(stem, path)
        if len(loaded['regions']) != length:
            print_log(f'{path}: {len(loaded["regions"])} frames, {length} '
                      'expected; tracking it again', 'current',
                      logging.WARNING)
            return None
        return loaded

    def _write(self, stem: str, run: TrackedRun) -> dict:
        """Values first, the trajectory last (its presence = complete);
        returns what was written, read back, so that a resumed run scores
        exactly the same."""
        write_values(stem + '_time.value', run.times)
        if self.experiment.reports_confidence:
            write_values(stem + '_confidence.value', run.confidences)
        path = stem + ('.bin' if self.binary else '.txt')
        write_trajectory(path, run.regions, binary=self.binary)
        stale = stem + ('.txt' if self.binary else '.bin')
        if osp.isfile(stale):  # the toolkit would read the text file first
            os.remove(stale)
        return self._read(stem, path)

    # ---------------------------------------------------------- tracking
    def _run_video(self, tracker: FrameTracker, video: dict) -> dict:
        if self.experiment.kind == 'multistart':
            return self._multistart(tracker, video)
        runs: List[dict] = []
        name = video['video_name']
        for i in range(1, self.repetitions + 1):
            stem = run_stem(self.experiment_dir, name, i)
            loaded = self._load(stem, len(video['groundtruth']))
            if loaded is not None:
                runs.append(loaded)
                continue
            if self._can_stop(runs):
                break
            runs.append(self._write(stem, self._track(tracker, video)))
        return dict(runs=[r['regions'] for r in runs],
                    values=dict(confidence=[r['confidence'] for r in runs]))

    def _can_stop(self, runs: List[dict]) -> bool:
        """The toolkit's early stop: 3 or more runs, all equal."""
        if not self.experiment.early_stop or len(runs) < 3:
            return False
        first = Regions.from_list(runs[0]['regions'])
        return all(trajectories_equal(first, Regions.from_list(r['regions']))
                   for r in runs[1:])

    def _track(self, tracker: FrameTracker, video: dict) -> TrackedRun:
        gt, where = video['groundtruth'], f'sequence {video["video_name"]}'
        size = tuple(video['image_size'])
        if self.experiment.kind == 'unsupervised':
            return run_frames(tracker, gt, range(len(gt)), where, size,
                              self.report_masks)
        skip = None
        if self.experiment.skip_tags:
            skip = np.zeros(len(gt), bool)
            for tag in self.experiment.skip_tags:
                if tag in video['tags']:
                    skip |= video['tags'][tag]
        return run_supervised(tracker, gt, size,
                              self.experiment.skip_initialize,
                              self.experiment.failure_overlap, skip, where,
                              self.report_masks)

    def _multistart(self, tracker: FrameTracker, video: dict) -> dict:
        name, gt = video['video_name'], video['groundtruth']
        anchors = video['anchors']
        if anchors is None or not np.any(anchors):
            raise InputError(f'sequence {name}: no anchors (anchor.value) '
                             'for the multistart experiment')
        forward = np.flatnonzero(np.asarray(anchors) > 0).tolist()
        backward = np.flatnonzero(np.asarray(anchors) < 0).tolist()
        runs = {}
        for anchor, frames in (
                [(a, range(a, len(gt))) for a in forward]
                + [(a, range(a, -1, -1)) for a in backward]):
            stem = anchor_stem(self.experiment_dir, name, anchor)
            loaded = self._load(stem, len(frames))
            if loaded is None:
                loaded = self._write(stem, run_frames(
                    tracker, gt, frames, f'sequence {name}, anchor {anchor}',
                    tuple(video['image_size']), self.report_masks))
            runs[anchor] = loaded['regions']
        return dict(runs=runs, values={})
