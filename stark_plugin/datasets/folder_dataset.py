"""A folder of custom sequences."""
import os
import os.path as osp
from typing import List, Optional

import numpy as np

from stark_plugin.registry import DATASETS
from .base_sot_dataset import BaseSOTDataset
from ..fileio.annotations import (read_boxes, read_flag_line,
                                  read_label_column, read_name_list)
from ..fileio.frames import list_frames


@DATASETS.register_module()
class SOTFolderDataset(BaseSOTDataset):
    """Sequences under ``data_root``, one sub-folder each.

    A sequence folder holds its frames (directly or in ``img/``; any of
    jpg/png/bmp, sorted by number) and ``groundtruth.txt`` with one
    ``x,y,w,h`` row per frame (comma, tab or space separated; fewer rows
    than frames is an error unless ``first_frame_only`` allows frame-0-only
    annotation). Optional per-frame visibility: ``absence.label`` (one 0/1
    a line, 1 = absent) or ``full_occlusion.txt``/``out_of_view.txt`` (LaSOT
    style flags). Without them, a frame is visible when its box has
    positive size. ``list.txt`` in ``data_root`` (if present) fixes the
    sequences and their order; otherwise all sub-folders, sorted.
    """

    METAINFO = dict(benchmark='custom')

    def __init__(self, *args, split: str = 'all',
                 first_frame_only: bool = False,
                 dataset_name: Optional[str] = None, **kwargs) -> None:
        self.first_frame_only = first_frame_only
        self._name = dataset_name
        super().__init__(*args, split=split, **kwargs)

    @property
    def dataset_name(self) -> str:
        return self._name or osp.basename(osp.normpath(self.data_root))

    def _sequence_names(self) -> List[str]:
        list_file = osp.join(self.data_root, 'list.txt')
        if osp.isfile(list_file):
            return read_name_list(list_file)
        if not osp.isdir(self.data_root):
            raise FileNotFoundError(f'folder not found: {self.data_root}')
        return sorted(
            d for d in os.listdir(self.data_root)
            if osp.isfile(osp.join(self.data_root, d, 'groundtruth.txt')))

    def load_videos(self) -> List[dict]:
        return [self._load_sequence(n) for n in self._sequence_names()]

    def _load_sequence(self, name: str) -> dict:
        seq_dir = osp.join(self.data_root, name)
        img_dir = osp.join(seq_dir, 'img')
        if not osp.isdir(img_dir):
            img_dir = seq_dir
        img_names = list_frames(img_dir)
        num = len(img_names)
        gt_file = osp.join(seq_dir, 'groundtruth.txt')
        if num == 0:
            raise FileNotFoundError(f'no frames (jpg/png/bmp) in {img_dir}')
        if self.first_frame_only:
            first = read_boxes(gt_file, min_rows=1, max_rows=num)
            gt = np.full((num, 4), np.nan)
            gt[:len(first)] = first
        else:
            gt = self.read_gt_boxes(gt_file, min_rows=num, max_rows=num)
        with np.errstate(invalid='ignore'):
            visible = (gt[:, 2] > 0) & (gt[:, 3] > 0)
        absence = osp.join(seq_dir, 'absence.label')
        if osp.isfile(absence):
            visible &= read_label_column(absence, num, (0, 1)) == 0
        for flag_file in ('full_occlusion.txt', 'out_of_view.txt'):
            path = osp.join(seq_dir, flag_file)
            if osp.isfile(path):
                visible &= ~read_flag_line(path, num)
        return dict(video_name=name, img_dir=img_dir, img_names=img_names,
                    num_frames=num, gt_bboxes=gt, visible=visible, meta={})
