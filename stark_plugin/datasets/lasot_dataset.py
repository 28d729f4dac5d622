"""LaSOT: ``data_root/<category>/<category>-<n>/{img,groundtruth.txt,
full_occlusion.txt,out_of_view.txt}``."""
import os.path as osp
from typing import List, Optional

import numpy as np

from stark_plugin.registry import DATASETS
from .base_sot_dataset import BaseSOTDataset
from ..fileio.annotations import read_name_list
from ..fileio.layouts import lasot_sequence_dir, read_lasot_flags

SPLIT_DIR = osp.join(osp.dirname(__file__), 'splits')


@DATASETS.register_module()
class LaSOTDataset(BaseSOTDataset):
    """LaSOT train (1120 videos) / test (280 videos).

    The split list is, in this order: ``split_file``; the benchmark's own
    ``testing_set.txt`` / ``training_set.txt`` in ``data_root``; the
    official lists shipped in ``splits/lasot_{train,test}.txt``. A frame is
    visible when it is flagged neither fully occluded nor out of view and
    its box has positive size (official rule). Ground-truth rows of absent
    frames are kept as written.
    """

    METAINFO = dict(benchmark='lasot', dataset_name='lasot')

    def __init__(self, *args, split_file: Optional[str] = None,
                 **kwargs) -> None:
        self.split_file = split_file
        super().__init__(*args, **kwargs)

    def _cache_extra(self) -> str:
        return str(self.split_file)

    def _sequence_names(self) -> List[str]:
        if self.split not in ('train', 'test'):
            raise ValueError(
                f"unknown LaSOT split {self.split!r}, expected 'train' or "
                "'test'")
        if self.split_file:
            return read_name_list(self.split_file)
        local = osp.join(self.data_root, ('testing_set.txt' if self.split
                                          == 'test' else 'training_set.txt'))
        if osp.isfile(local):
            return read_name_list(local)
        return read_name_list(osp.join(SPLIT_DIR, f'lasot_{self.split}.txt'))

    def load_videos(self) -> List[dict]:
        return [self._load_sequence(n) for n in self._sequence_names()]

    def _load_sequence(self, name: str) -> dict:
        category = name.rsplit('-', 1)[0]
        seq_dir = lasot_sequence_dir(self.data_root, name)
        if not osp.isdir(seq_dir):
            raise FileNotFoundError(f'LaSOT sequence folder not found: '
                                    f'{seq_dir}')
        gt = self.read_gt_boxes(osp.join(seq_dir, 'groundtruth.txt'))
        num = len(gt)
        occlusion, out_of_view = read_lasot_flags(seq_dir, num)
        with np.errstate(invalid='ignore'):
            valid = (gt[:, 2] > 0) & (gt[:, 3] > 0)
        visible = ~occlusion & ~out_of_view & valid
        meta = dict(full_occlusion=occlusion, out_of_view=out_of_view,
                    category=category)
        return dict(video_name=name, img_dir=osp.join(seq_dir, 'img'),
                    img_fmt='{:08d}.jpg', frame_start=1, num_frames=num,
                    gt_bboxes=gt, visible=visible, meta=meta)
