"""GOT-10k, read from its downloaded layout.

``data_root/{train,val,test}/list.txt`` and one folder per sequence with
``00000001.jpg ...``, ``groundtruth.txt``, ``absence.label``,
``cover.label``, ``cut_by_image.label`` and ``meta_info.ini``.
"""
import os.path as osp
from typing import Dict, List, Optional

import numpy as np

from stark_plugin.registry import DATASETS
from .base_sot_dataset import BaseSOTDataset
from ..fileio.annotations import read_boxes, read_name_list
from ..fileio.layouts import read_got10k_labels, read_got10k_meta
from ..fileio.frames import list_frames

SPLIT_DIR = osp.join(osp.dirname(__file__), 'splits')

#: split name -> (folder, shipped index file or None)
_SPLITS = {
    'train': ('train', None),
    'train_full': ('train', None),
    'vot_train': ('train', 'got10k_vot_train_split.txt'),
    'vot_val': ('train', 'got10k_vot_val_split.txt'),
    'val': ('val', None),
    'test': ('test', None),
}


@DATASETS.register_module()
class GOT10kDataset(BaseSOTDataset):
    """GOT-10k (train / vot_train / val / test).

    ``vot_train`` is the official STARK/pytracking split of the train set
    without the sequences that overlap VOT; its list
    (``splits/got10k_vot_train_split.txt``) holds 0-based indices into
    ``train/list.txt``. ``split_file`` may point at another index file.
    A frame is visible when ``absence == 0``, ``cover > 0`` and the box
    has positive size (official rule); ``cut_by_image`` is kept in the
    video ``meta``. The test split has ground truth for frame 0 only
    (other rows are NaN, ``visible`` is None).
    """

    METAINFO = dict(benchmark='got10k', dataset_name='got10k')

    def __init__(self, *args, split_file: Optional[str] = None,
                 **kwargs) -> None:
        self.split_file = split_file
        super().__init__(*args, **kwargs)

    def _cache_extra(self) -> str:
        return str(self.split_file)

    def _sequence_names(self) -> List[str]:
        if self.split not in _SPLITS:
            raise ValueError(f'unknown GOT-10k split {self.split!r}, '
                             f'expected one of {sorted(_SPLITS)}')
        folder, index_file = _SPLITS[self.split]
        list_file = osp.join(self.data_root, folder, 'list.txt')
        names = read_name_list(list_file)
        index_path = self.split_file or (
            osp.join(SPLIT_DIR, index_file) if index_file else None)
        if index_path is None:
            return names
        if not osp.isfile(index_path):
            raise FileNotFoundError(
                f'GOT-10k split {self.split!r} needs its index file '
                f'{index_path} (0-based indices into {list_file}); it is not '
                'shipped: pass split_file=... or use split="train"')
        picked = []
        for lineno, text in enumerate(read_name_list(index_path), 1):
            if not text.isdigit() or int(text) >= len(names):
                raise ValueError(
                    f'{index_path}:{lineno}: expected an index into the '
                    f'{len(names)} sequences of {list_file}, got {text!r}')
            picked.append(names[int(text)])
        return picked

    def load_videos(self) -> List[dict]:
        folder = _SPLITS.get(self.split, (None, ))[0]
        videos = []
        for name in self._sequence_names():
            seq_dir = osp.join(self.data_root, folder, name)
            videos.append(self._load_sequence(name, seq_dir))
        return videos

    def _load_sequence(self, name: str, seq_dir: str) -> dict:
        gt_file = osp.join(seq_dir, 'groundtruth.txt')
        meta: Dict = {}
        info, resolution = read_got10k_meta(seq_dir)
        if info:
            meta['meta_info'] = info
        if resolution is not None:
            meta['resolution'] = resolution
        if self.split == 'test':
            num = len(list_frames(seq_dir))
            first = read_boxes(gt_file, min_rows=1)
            gt = np.full((num, 4), np.nan)
            gt[:min(len(first), num)] = first[:num]
            return dict(video_name=name, img_dir=seq_dir,
                        img_fmt='{:08d}.jpg', frame_start=1,
                        num_frames=num, gt_bboxes=gt, visible=None,
                        meta=meta)
        gt = self.read_gt_boxes(gt_file)
        num = len(gt)
        labels = read_got10k_labels(seq_dir, num)
        absence, cover = labels['absence'], labels['cover']
        if 'cut_by_image' in labels:
            meta['cut_by_image'] = labels['cut_by_image'].astype(bool)
        meta['absence'] = absence.astype(bool)
        meta['cover'] = cover
        with np.errstate(invalid='ignore'):
            valid = (gt[:, 2] > 0) & (gt[:, 3] > 0)
        visible = (absence == 0) & (cover > 0) & valid
        return dict(video_name=name, img_dir=seq_dir, img_fmt='{:08d}.jpg',
                    frame_start=1, num_frames=num, gt_bboxes=gt,
                    visible=visible, meta=meta)
