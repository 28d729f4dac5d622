"""COCO 2017 used as a tracking dataset: every instance is a 1-frame video."""
import json
import os.path as osp
from typing import List, Optional

import numpy as np

from stark_plugin.registry import DATASETS
from .base_sot_dataset import BaseSOTDataset


@DATASETS.register_module()
class SOTCocoDataset(BaseSOTDataset):
    """COCO instances as one-frame videos (the official ``MSCOCOSeq``).

    Reads ``data_root/annotations/instances_<split>2017.json`` and the
    images in ``data_root/<split>2017/``. Crowd instances are skipped (as
    STARK does). STARK marks a box whose width or height is at most
    ``min_box_size`` (50) pixels as invisible, but its sampler ignores
    that flag for image datasets, so every instance trains (the default,
    ``skip_small=False``). ``skip_small=True`` leaves the small ones out of
    the index (not official).
    """

    METAINFO = dict(benchmark='coco', dataset_name='coco')
    is_video_dataset = False

    def __init__(self, *args, ann_file: Optional[str] = None,
                 img_dir: Optional[str] = None, min_box_size: float = 50,
                 skip_small: bool = False, **kwargs) -> None:
        self.coco_ann_file = ann_file
        self.coco_img_dir = img_dir
        self.min_box_size = min_box_size
        self.skip_small = skip_small
        # ~10^5 one-frame records: keep them packed (mmengine serialization)
        kwargs.setdefault('serialize_data', True)
        super().__init__(*args, **kwargs)

    def _cache_extra(self) -> str:
        return (f'{self.coco_ann_file}|{self.coco_img_dir}|'
                f'{self.min_box_size}|{self.skip_small}')

    def load_videos(self) -> List[dict]:
        ann_file = self.coco_ann_file or osp.join(
            'annotations', f'instances_{self.split}2017.json')
        ann_file = osp.join(self.data_root, ann_file)
        img_dir = osp.join(self.data_root,
                           self.coco_img_dir or f'{self.split}2017')
        if not osp.isfile(ann_file):
            raise FileNotFoundError(f'COCO annotation file not found: '
                                    f'{ann_file}')
        with open(ann_file, 'r') as f:
            coco = json.load(f)
        images = {img['id']: img for img in coco.get('images', [])}
        cats = {c['id']: c.get('name') for c in coco.get('categories', [])}
        videos = []
        for k, ann in enumerate(coco.get('annotations', [])):
            if ann.get('iscrowd', 0):
                continue
            bbox = ann.get('bbox')
            if (not isinstance(bbox, list) or len(bbox) != 4
                    or ann.get('image_id') not in images):
                raise ValueError(
                    f'{ann_file}: annotation #{k} (id {ann.get("id")}) has '
                    f'no valid bbox [x, y, w, h] or unknown image_id')
            w, h = float(bbox[2]), float(bbox[3])
            valid = w > self.min_box_size and h > self.min_box_size
            if self.skip_small and not valid:
                continue
            image = images[ann['image_id']]
            videos.append(
                dict(video_name=f'coco_{ann["id"]}', img_dir=img_dir,
                     img_names=[image['file_name']], num_frames=1,
                     gt_bboxes=np.asarray([bbox], dtype=np.float64),
                     visible=np.asarray([valid]),
                     meta=dict(category=cats.get(ann.get('category_id')),
                               image_id=ann['image_id'])))
        return videos
