"""TrackingNet: ``data_root/{TRAIN_0..TRAIN_11,TEST}/{anno,frames}``.

``anno/<video>.txt`` holds ``x,y,w,h`` rows (only frame 0 in ``TEST``);
frames are ``frames/<video>/0.jpg, 1.jpg, ...``.
"""
import os
import os.path as osp
from typing import List, Sequence, Union

import numpy as np

from stark_plugin.registry import DATASETS
from .base_sot_dataset import BaseSOTDataset
from ..fileio.annotations import read_boxes
from ..fileio.frames import list_frames

TRAIN_CHUNKS = [f'TRAIN_{i}' for i in range(12)]


@DATASETS.register_module()
class TrackingNetDataset(BaseSOTDataset):
    """TrackingNet.

    ``split`` is ``'train'`` (all 12 train chunks, as STARK trains),
    ``'test'`` (the ``TEST`` chunk) or one chunk name / a list of chunk
    names. In ``TEST`` only frame 0 is annotated; the number of frames is
    the number of images in the video's folder. A frame is visible when its
    box has positive size (TrackingNet has no visibility flags).
    """

    METAINFO = dict(benchmark='trackingnet', dataset_name='trackingnet')

    def __init__(self, *args, split: Union[str, Sequence[str]] = 'train',
                 **kwargs) -> None:
        if isinstance(split, str):
            chunks = {'train': TRAIN_CHUNKS, 'test': ['TEST']}.get(
                split, [split])
        else:
            chunks = list(split)
            split = '+'.join(chunks)
        self.chunks = chunks
        super().__init__(*args, split=split, **kwargs)

    def load_videos(self) -> List[dict]:
        videos = []
        for chunk in self.chunks:
            anno_dir = osp.join(self.data_root, chunk, 'anno')
            if not osp.isdir(anno_dir):
                raise FileNotFoundError(
                    f'TrackingNet chunk {chunk!r} not found: {anno_dir}')
            names = sorted(
                osp.splitext(f)[0] for f in os.listdir(anno_dir)
                if f.endswith('.txt'))
            for name in names:
                videos.append(self._load_video(chunk, name))
        return videos

    def _load_video(self, chunk: str, name: str) -> dict:
        anno = osp.join(self.data_root, chunk, 'anno', f'{name}.txt')
        img_dir = osp.join(self.data_root, chunk, 'frames', name)
        meta = dict(chunk=chunk)
        if chunk == 'TEST':
            num = len(list_frames(img_dir))
            first = read_boxes(anno, min_rows=1)
            gt = np.full((num, 4), np.nan)
            gt[:min(len(first), num)] = first[:num]
            return dict(video_name=name, img_dir=img_dir, img_fmt='{}.jpg',
                        frame_start=0, num_frames=num, gt_bboxes=gt,
                        visible=None, meta=meta)
        gt = self.read_gt_boxes(anno)
        with np.errstate(invalid='ignore'):
            visible = (gt[:, 2] > 0) & (gt[:, 3] > 0)
        return dict(video_name=name, img_dir=img_dir, img_fmt='{}.jpg',
                    frame_start=0, num_frames=len(gt), gt_bboxes=gt,
                    visible=visible, meta=meta)
