"""Benchmark test loop: track whole videos, keep raw results, evaluate once."""
import logging
import os
import os.path as osp
import time
from typing import Dict, List, Optional, Sequence, Union

import cv2
import numpy as np
from mmengine.evaluator import Evaluator
from mmengine.logging import print_log
from torch import nn
from torch.utils.data import DataLoader

from ..fileio.frames import read_frame
from ..fileio.results import read_raw_result, write_raw_result
from ..models.fast_inference import prepare_for_inference
from ..models.trackers.stark_tracker import StarkTracker
from ..registry import LOOPS
from .video_test_loop import VideoTestLoop


@LOOPS.register_module()
class SOTTestLoop(VideoTestLoop):
    """Track every video of a SOT test dataset with the STARK tracker.

    Each rank tracks whole videos (see :class:`VideoTestLoop`), writes
    ``<results_dir>/<video>.txt`` (``x,y,w,h`` per frame) and
    ``<video>_time.txt`` (seconds per frame) atomically, and hands one
    result dict per video to the evaluator, which gathers all ranks and
    computes the metric once. Rerun on the same work dir, videos whose
    result files are complete are read instead of tracked.

    Args:
        runner: the Runner.
        dataloader: test dataloader (its dataset provides ``get_video``).
        evaluator: usually ``SOTMetric``.
        checkpoint: checkpoint loaded strictly before tracking
            (``tools/test.py`` sets it).
        results_dir: folder for raw results, relative to the work dir.
        resume: reuse complete raw results found in ``results_dir``.
    """

    def __init__(self,
                 runner,
                 dataloader: Union[DataLoader, Dict],
                 evaluator: Union[Evaluator, Dict, List],
                 checkpoint: Optional[str] = None,
                 results_dir: str = 'results',
                 resume: bool = True) -> None:
        super().__init__(runner, dataloader, evaluator, checkpoint, resume)
        self.results_dir = self.work_path(results_dir)
        self._net: Optional[nn.Module] = None

    def before_videos(self, model: nn.Module) -> None:
        os.makedirs(self.results_dir, exist_ok=True)
        self._net = model

    def run_video(self, video: dict) -> dict:
        result = self._load_complete(video)
        if result is None:
            result = self._track_video(
                StarkTracker(prepare_for_inference(self._net)), video)
        return self._metric_sample(video, result)

    @staticmethod
    def _metric_sample(video: dict, result: dict) -> dict:
        """What ``SOTMetric`` needs of a video: predictions, ground truth,
        visibility, GOT-10k cover labels and the image size (the toolkits
        clip boxes to the image)."""
        meta = video.get('metainfo') or {}
        img_shape = result.get('img_shape')
        if img_shape is None:  # a result reused from an earlier run
            img_shape = read_frame(video['img_paths'][0]).shape[:2]
        sample = dict(
            video_name=video['video_name'],
            gt_bboxes=video['gt_bboxes'],
            visible=video.get('visible'),
            img_shape=tuple(img_shape),
            **{k: v for k, v in result.items() if k != 'img_shape'})
        if meta.get('cover') is not None:
            sample['cover'] = meta['cover']
        return sample

    def _paths(self, video_name: str):
        base = osp.join(self.results_dir, video_name)
        return base + '.txt', base + '_time.txt'

    def _load_complete(self, video: dict) -> Optional[dict]:
        """Read the raw result of a video tracked by an earlier run."""
        if not self.resume:
            return None
        box_path, time_path = self._paths(video['video_name'])
        num_frames = len(video['img_paths'])
        loaded = read_raw_result(box_path, time_path, num_frames)
        if loaded is None:
            return None
        print_log(f'reusing complete results of {video["video_name"]} '
                  f'from {box_path}', logger='current', level=logging.DEBUG)
        return loaded

    def _track_video(self, tracker: StarkTracker, video: dict) -> dict:
        name = video['video_name']
        init_box = np.asarray(video['gt_bboxes'][0], dtype=np.float64)
        if not np.all(np.isfinite(init_box)) or init_box[2] <= 0 or \
                init_box[3] <= 0:
            raise ValueError(f'video {name}: the first-frame box '
                             f'{init_box.tolist()} is not a valid target')
        paths: Sequence[str] = video['img_paths']
        boxes = np.zeros((len(paths), 4), dtype=np.float64)
        scores = np.ones(len(paths), dtype=np.float64)
        times = np.zeros(len(paths), dtype=np.float64)
        for frame_id, path in enumerate(paths):
            frame = read_frame(path)
            if frame_id == 0:
                img_shape = frame.shape[:2]
            start = time.perf_counter()
            frame = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
            if frame_id == 0:
                state = tracker.init(frame, init_box.tolist())
                boxes[0] = init_box
            else:
                out = tracker.track(frame, state)
                boxes[frame_id] = out['box']
                scores[frame_id] = out.get('score', 1.0)
            times[frame_id] = time.perf_counter() - start
        box_path, time_path = self._paths(name)
        write_raw_result(box_path, time_path, boxes, times)
        # Use exactly what was written, so a resumed run scores the same.
        result = read_raw_result(box_path, time_path, len(paths))
        result['scores'] = scores
        result['img_shape'] = img_shape
        return result
