"""VOT challenge sequences (test only), read through ``fileio.vot``.

Layouts found under ``data_root`` (the first that exists):

* ``list.txt`` in ``data_root`` itself: the vot-toolkit sequences folder
  (``vot initialize`` writes ``<workspace>/sequences``);
* ``sequences/list.txt``: a toolkit workspace;
* ``data/list.txt``: mmtracking 0.x (``data/vot2018/data/<seq>/color``,
  ``groundtruth.txt`` beside it, no ``sequence`` metadata);
* ``ann_file``: mmtracking's ``vot20xx_infos.txt`` (a header line, then
  ``color_dir,groundtruth_path,start,end`` per sequence; relative paths are
  taken from ``data_root``).

A sequence folder holds ``sequence`` (``key=value``, optional),
``groundtruth.txt`` (rectangles, polygons or masks), ``color/%08d.jpg``,
``*.tag`` / ``*.label`` and ``*.value`` files (``anchor.value`` for the
anchor-based protocol). Tracking starts from the ground-truth region as a
box (:func:`stark_plugin.fileio.vot.region_box`); the regions themselves
go to the metric.
"""
import os.path as osp
import re
from typing import Any, Dict, List, Optional

import numpy as np

from stark_plugin.registry import DATASETS
from .base_sot_dataset import BaseSOTDataset
from ..errors import AnnotationError
from ..fileio.frames import read_frame
from ..fileio.vot import (VOTSequenceFolder, color_frame_pattern,
                          find_sequence_list, read_sequence,
                          read_sequence_list, region_box)

__all__ = ['VOTDataset']


def _format_pattern(pattern: str, where: str) -> str:
    """``%08d``-style frame pattern -> ``str.format`` (``{:08d}``)."""
    if not re.fullmatch(r'[^%{}]*%0?\d*d[^%{}]*', pattern):
        raise AnnotationError(f'{where}: unsupported frame pattern '
                              f'{pattern!r} (expected one %d field, e.g. '
                              '%08d.jpg)')
    return re.sub(r'%(0?\d*)d', r'{:\1d}', pattern)


@DATASETS.register_module()
class VOTDataset(BaseSOTDataset):
    """VOT short-term / long-term sequences for the VOT protocols.

    Args:
        data_root: see the module docstring for the layouts.
        ann_file: mmtracking's ``*_infos.txt`` (optional).
        challenge: name kept in the metainfo (``vot2018``, ...).
        **kwargs: see :class:`BaseSOTDataset` (``test_mode=True``).

    ``get_video`` adds ``groundtruth`` (the region of every frame as read:
    codes, ``x,y,w,h``, polygons, masks), ``image_size`` ``(W, H)``,
    ``anchors`` (``anchor.value`` or None), ``tags`` and ``values``;
    ``gt_bboxes`` are the regions as boxes (NaN where unknown or empty).
    """

    METAINFO = dict(benchmark='vot', dataset_name='vot')

    def __init__(self, *args, ann_file: Optional[str] = None,
                 challenge: Optional[str] = None, split: str = 'test',
                 **kwargs) -> None:
        self.infos_file = ann_file
        self.challenge = challenge
        super().__init__(*args, split=split, **kwargs)

    def _cache_extra(self) -> str:
        return f'{self.infos_file}|{self.challenge}'

    # ------------------------------------------------------------ loading
    def _sequence_folders(self) -> List[str]:
        if self.infos_file:
            return self._folders_from_infos()
        root = find_sequence_list(self.data_root)
        return [osp.join(root, name) for name in read_sequence_list(root)]

    def _folders_from_infos(self) -> List[str]:
        path = self.infos_file if osp.isabs(self.infos_file) else \
            osp.join(self.data_root, self.infos_file)
        if not osp.isfile(path):
            raise FileNotFoundError(f'{path}: no such VOT infos file')
        folders = []
        with open(path, encoding='utf-8') as f:
            for i, line in enumerate(f.read().splitlines(), 1):
                if not line.strip() or line.startswith('The format'):
                    continue
                parts = line.strip().split(',')
                if len(parts) != 4 or not all(p.isdigit()
                                              for p in parts[2:]):
                    raise AnnotationError(f'{path}:{i}: expected video_path,'
                                          f'annotation_path,start,end, got '
                                          f'{line[:80]!r}')
                ann = parts[1] if osp.isabs(parts[1]) else \
                    osp.join(self.data_root, parts[1])
                folders.append(osp.dirname(ann))
        return folders

    def load_videos(self) -> List[dict]:
        return [self._record(read_sequence(folder))
                for folder in self._sequence_folders()]

    def _record(self, seq: VOTSequenceFolder) -> Dict[str, Any]:
        where = osp.join(seq.path, 'sequence')
        pattern = color_frame_pattern(seq.metadata)
        img_dir = osp.join(seq.path, osp.dirname(pattern))
        img_fmt = _format_pattern(osp.basename(pattern), where)
        if seq.length == 0:
            raise AnnotationError(f'{seq.path}: the sequence has no frames')
        width, height = seq.width, seq.height
        if width is None or height is None:
            first = osp.join(img_dir, img_fmt.format(1))
            height, width = read_frame(first).shape[:2]
        boxes = np.stack([region_box(r) for r in seq.groundtruth])
        with np.errstate(invalid='ignore'):
            visible = np.isfinite(boxes).all(1) & (boxes[:, 2] > 0) & \
                (boxes[:, 3] > 0)
        return dict(
            video_name=seq.name, img_dir=img_dir, img_fmt=img_fmt,
            frame_start=1, num_frames=seq.length, gt_bboxes=boxes,
            visible=visible,
            meta=dict(groundtruth=list(seq.groundtruth),
                      image_size=(int(width), int(height)),
                      anchors=seq.values.get('anchor'), tags=seq.tags,
                      values=seq.values, challenge=self.challenge))

    # ---------------------------------------------------- video-level API
    def get_video(self, idx: int) -> Dict[str, Any]:
        """:meth:`BaseSOTDataset.get_video` plus ``groundtruth``,
        ``image_size``, ``anchors``, ``tags`` and ``values``."""
        video = super().get_video(idx)
        meta = video['metainfo']
        for key in ('groundtruth', 'image_size', 'anchors', 'tags',
                    'values'):
            video[key] = meta.pop(key)
        video['video_index'] = idx
        return video
