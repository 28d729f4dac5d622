"""Base class of the single-object-tracking datasets.

A dataset reads a benchmark's on-disk layout directly and keeps one record
per video (``data_list``). The two modes hand out different items:

* training (``test_mode=False``): an item is a *sample key* (``(seed,
  epoch, index)`` from :class:`QuotaSampler`, or an int); the key decides
  the video (uniform among the usable ones, the official rule) and seeds
  the pipeline (``TridentSampling`` first), which picks the frames itself
  (:mod:`stark_plugin.datasets.sample_draw`). A rejected sample or one
  with bad data is drawn again; ``len`` is the number of videos.
* testing (``test_mode=True``): item ``i`` is one *frame*, videos laid out
  one after another in dataset order (use :class:`VideoSampler`).

Video-level access for the test loop and the metric:
:attr:`num_videos`, :attr:`video_names` and :meth:`get_video`.
"""
import hashlib
import logging
import os.path as osp
import pickle
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.dataset.base_dataset import force_full_init
from mmengine.logging import print_log

from stark_plugin.fileio.atomic import atomic_path
from stark_plugin.fileio.annotations import read_boxes
from stark_plugin.fileio.frames import check_files_exist

from .records import frame_path, video_usable
from .sample_draw import BadDataLog, draw_sample

#: frames per training sample when the pipeline does not say (STARK-ST:
#: two templates and a search frame)
DEFAULT_FRAMES_PER_SAMPLE = 3


class BaseSOTDataset(BaseDataset):
    """Base of all SOT datasets (records one dict per video).

    A video record holds ``video_name``, ``num_frames``, ``img_dir``,
    ``img_fmt`` (``str.format`` pattern of a frame number), ``frame_start``
    (number of frame 0) or ``img_names`` (explicit list), ``gt_bboxes``
    (float64 ``(N, 4)`` xywh, NaN where unannotated), ``visible`` (bool
    ``(N,)`` or None) and ``meta`` (dict of per-video extras).

    Args:
        data_root: root folder of the benchmark.
        split: subset name (dataset specific).
        check_images: :meth:`get_video` verifies that every frame exists.
        cache_dir: if given, the parsed index is pickled there and reused
            (keyed on class, root and split).
        **kwargs: passed to :class:`mmengine.dataset.BaseDataset`.
    """

    METAINFO: dict = dict(benchmark='custom')
    #: False for image datasets (COCO): frames are the same image
    is_video_dataset: bool = True

    def __init__(self,
                 data_root: str = '',
                 split: str = 'train',
                 check_images: bool = True,
                 cache_dir: Optional[str] = None,
                 **kwargs) -> None:
        self.split = split
        self.check_images = check_images
        self.cache_dir = cache_dir
        #: where negative / random frames come from (a wrapper may replace
        #: it with itself to sample across datasets)
        self.frame_source = self
        self.bad_data = BadDataLog()
        self._frame_offsets: Optional[np.ndarray] = None
        kwargs.setdefault('serialize_data', False)
        super().__init__(data_root=data_root, **kwargs)

    # ------------------------------------------------------------ loading
    def load_videos(self) -> List[dict]:
        """Parse the benchmark layout into video records (subclasses)."""
        raise NotImplementedError

    def load_data_list(self) -> List[dict]:
        if not self.cache_dir:
            return self.load_videos()
        key = hashlib.md5(
            f'{type(self).__name__}|{osp.abspath(self.data_root)}|'
            f'{self.split}|{self._cache_extra()}'.encode()).hexdigest()[:16]
        path = osp.join(self.cache_dir,
                        f'{type(self).__name__}_{self.split}_{key}.pkl')
        if osp.isfile(path):
            with open(path, 'rb') as f:
                return pickle.load(f)
        videos = self.load_videos()
        with atomic_path(path) as tmp:
            with open(tmp, 'wb') as f:
                pickle.dump(videos, f, protocol=pickle.HIGHEST_PROTOCOL)
        return videos

    def _cache_extra(self) -> str:
        """Extra settings that change the index (part of the cache key)."""
        return ''

    def full_init(self) -> None:
        if self._fully_initialized:
            return
        super().full_init()
        if not self.test_mode and self._num_records() == 0:
            raise ValueError(
                f'{type(self).__name__}: split {self.split!r} under '
                f'{self.data_root!r} has no videos to train on')
        lengths = [self._video_record(i)['num_frames']
                   for i in range(self._num_records())]
        self._frame_offsets = np.concatenate(
            [[0], np.cumsum(lengths, dtype=np.int64)])

    # ------------------------------------------------------------ records
    def _num_records(self) -> int:
        if self.serialize_data:
            return len(self.data_address)
        return len(self.data_list)

    def _video_record(self, idx: int) -> dict:
        # BaseDataset.get_data_info deep-copies; records are read-only here
        if self.serialize_data:
            return super().get_data_info(idx)
        return self.data_list[idx]

    @staticmethod
    def frame_path(record: dict, frame_id: int) -> str:
        """Path of frame ``frame_id`` (0-based) of a video record."""
        return frame_path(record, frame_id)

    # ---------------------------------------------------- video-level API
    @property
    @force_full_init
    def num_videos(self) -> int:
        return self._num_records()

    @property
    @force_full_init
    def video_names(self) -> List[str]:
        return [
            self._video_record(i)['video_name']
            for i in range(self._num_records())
        ]

    @property
    def dataset_name(self) -> str:
        return self.metainfo.get('dataset_name',
                                 self.metainfo.get('benchmark', 'custom'))

    @force_full_init
    def get_video(self, idx: int) -> Dict[str, Any]:
        """Everything about video ``idx`` (the test loop / metric contract).

        Returns a dict with ``video_name``, ``img_paths`` (one per frame),
        ``gt_bboxes`` (float64 ``(N, 4)`` xywh, NaN rows where unannotated),
        ``visible`` (bool ``(N,)`` or None), ``dataset_name`` and
        ``metainfo`` (``benchmark``, ``split`` and per-video extras).
        """
        record = self._video_record(idx)
        n = record['num_frames']
        img_paths = [self.frame_path(record, i) for i in range(n)]
        if self.check_images:
            check_files_exist(img_paths)
        visible = record.get('visible')
        metainfo = dict(benchmark=self.metainfo['benchmark'],
                        split=self.split)
        metainfo.update(record.get('meta') or {})
        return dict(
            video_name=record['video_name'],
            img_paths=img_paths,
            gt_bboxes=np.array(record['gt_bboxes'], dtype=np.float64),
            visible=None if visible is None else np.array(visible, bool),
            dataset_name=self.dataset_name,
            metainfo=metainfo)

    # -------------------------------------------------- mmengine indexing
    @force_full_init
    def __len__(self) -> int:
        if self.test_mode:
            return int(self._frame_offsets[-1])
        return self._num_records()

    @force_full_init
    def video_frame_ranges(self) -> List[range]:
        """Item indices (test mode) of each video, in video order."""
        off = self._frame_offsets
        return [range(int(off[i]), int(off[i + 1]))
                for i in range(len(off) - 1)]

    def __getitem__(self, idx: Any) -> dict:
        """Test mode: frame ``idx``. Training: the sample of key ``idx``.
        """
        if self.test_mode:
            return super().__getitem__(idx)
        if not self._fully_initialized:
            self.full_init()
        usable = self.training_videos()
        return draw_sample(
            idx, lambda rng: (self, int(usable[rng.integers(len(usable))])),
            self.dataset_name, self.bad_data, self.max_refetch)

    def training_videos(self) -> np.ndarray:
        """The videos training draws from: those with enough visible
        frames for the pipeline's frame sampler (the official rule)."""
        usable = self.usable_video_indices(self.frames_needed())
        if len(usable) == 0:
            raise ValueError(f'{self.dataset_name} (data_root '
                             f'{self.data_root!r}) has no video with '
                             f'enough visible frames for training')
        return usable

    def frames_needed(self) -> int:
        """Frames per training sample (templates + search) of the frame
        sampler in the pipeline (its ``frames_per_sample``: 3 for
        STARK-ST, 2 for STARK-S)."""
        for t in getattr(self.pipeline, 'transforms', []):
            needed = getattr(t, 'frames_per_sample', None)
            if needed is not None:
                return int(needed)
        return DEFAULT_FRAMES_PER_SAMPLE

    def read_gt_boxes(self, path: str, **kwargs) -> np.ndarray:
        """``read_boxes`` of a ground-truth file. Training tolerates bad
        lines (empty, non-numeric): they become unannotated (NaN) frames,
        named in one warning; testing stops on them."""
        if self.test_mode:
            return read_boxes(path, **kwargs)
        bad: List[Tuple[int, str]] = []
        boxes = read_boxes(path, bad_lines=bad, **kwargs)
        if bad:
            shown = ', '.join(f'{n}: {t!r}' for n, t in bad[:5])
            more = f' and {len(bad) - 5} more' if len(bad) > 5 else ''
            print_log(f'{path}: {len(bad)} malformed annotation line(s) '
                      f'({shown}{more}); those frames are treated as '
                      f'unannotated', logger='current',
                      level=logging.WARNING)
        return boxes

    @force_full_init
    def get_data_info(self, idx: int) -> dict:
        if self.test_mode:
            return self._frame_info(idx)
        record = dict(self._video_record(idx))
        record.update(
            sample_idx=idx,
            video_idx=idx,
            dataset_name=self.dataset_name,
            is_video_dataset=self.is_video_dataset,
            frame_source=self.frame_source)
        return record

    def _frame_info(self, idx: int) -> dict:
        if not 0 <= idx < len(self):
            raise IndexError(f'frame index {idx} out of range '
                             f'[0, {len(self)})')
        video_idx = int(
            np.searchsorted(self._frame_offsets, idx, side='right') - 1)
        frame_id = idx - int(self._frame_offsets[video_idx])
        record = self._video_record(video_idx)
        visible = record.get('visible')
        gt = np.asarray(record['gt_bboxes'], dtype=np.float64)
        return dict(
            sample_idx=idx,
            img_path=self.frame_path(record, frame_id),
            video_idx=video_idx,
            video_name=record['video_name'],
            frame_id=frame_id,
            video_length=record['num_frames'],
            init_bbox=gt[0].copy(),
            gt_bbox=gt[frame_id].copy(),
            visible=None if visible is None else bool(visible[frame_id]),
            dataset_name=self.dataset_name,
            benchmark=self.metainfo['benchmark'])

    # ------------------------------------------------- frame sampling API
    def video_usable(self, record: dict,
                     num_frames_needed: int = DEFAULT_FRAMES_PER_SAMPLE
                     ) -> bool:
        """Official rule for picking a training video
        (:func:`~stark_plugin.datasets.records.video_usable`); image
        datasets use every image."""
        if not self.is_video_dataset:
            return True
        return video_usable(record.get('visible'), record['num_frames'],
                            num_frames_needed)

    @force_full_init
    def usable_video_indices(
            self, num_frames_needed: int = DEFAULT_FRAMES_PER_SAMPLE
    ) -> np.ndarray:
        """Indices of the videos :meth:`video_usable` accepts (cached)."""
        cache = self.__dict__.setdefault('_usable_cache', {})
        if num_frames_needed not in cache:
            cache[num_frames_needed] = np.flatnonzero([
                self.video_usable(self._video_record(i), num_frames_needed)
                for i in range(self._num_records())
            ])
        return cache[num_frames_needed]

    @force_full_init
    def sample_random_frame(self, max_tries: int = 100) -> Optional[dict]:
        """Any frame of a random usable video (official ``get_one_search``).

        The frame may be invisible; its box is the ground truth as stored.
        """
        n = self._num_records()
        for _ in range(max_tries):
            record = self._video_record(int(np.random.randint(n)))
            if not self.video_usable(record):
                continue
            frame_id = int(np.random.randint(record['num_frames']))
            return dict(
                img_path=self.frame_path(record, frame_id),
                bbox=np.array(record['gt_bboxes'][frame_id], np.float64),
                frame_id=frame_id,
                video_name=record['video_name'],
                dataset_name=self.dataset_name)
        return None
