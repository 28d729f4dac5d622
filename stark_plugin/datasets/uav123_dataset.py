"""UAV123 (test only): ``data_root/{anno/UAV123/<name>.txt,
data_seq/UAV123/<folder>/000001.jpg}``."""
import os.path as osp
from typing import List, Optional

from stark_plugin.registry import DATASETS
from .base_sot_dataset import BaseSOTDataset
from ..errors import AnnotationError
from ..fileio.annotations import read_boxes

SPLIT_DIR = osp.join(osp.dirname(__file__), 'splits')


def read_uav_table(path: str) -> List[dict]:
    """Rows ``name folder start end`` of ``splits/uav123.txt``."""
    rows = []
    with open(path, 'r') as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip() or line.startswith('#'):
                continue
            parts = line.split()
            if len(parts) != 4:
                raise AnnotationError(f'{path}:{lineno}: expected 4 columns')
            rows.append(dict(name=parts[0], folder=parts[1],
                             start=int(parts[2]), end=int(parts[3])))
    return rows


@DATASETS.register_module()
class UAV123Dataset(BaseSOTDataset):
    """UAV123: 123 sequences cut from 91 folders by the official table.

    Long folders are split into several sequences (``bird1_1`` is frames
    1-253 of ``bird1``); the table (``splits/uav123.txt``) gives each
    sequence's folder and 1-based inclusive frame range; frames are
    ``%06d.jpg``. Absent targets are NaN rows in the annotation.
    """

    METAINFO = dict(benchmark='uav123', dataset_name='uav123')

    def __init__(self, *args, split: str = 'test',
                 sequences: Optional[List[str]] = None, **kwargs) -> None:
        self.sequences = sequences
        super().__init__(*args, split=split, **kwargs)

    def _cache_extra(self) -> str:
        return str(self.sequences)

    def load_videos(self) -> List[dict]:
        rows = read_uav_table(osp.join(SPLIT_DIR, 'uav123.txt'))
        if self.sequences is not None:
            known = {r['name']: r for r in rows}
            missing = [s for s in self.sequences if s not in known]
            if missing:
                raise KeyError(f'UAV123 sequences not in the table: '
                               f'{missing}')
            rows = [known[s] for s in self.sequences]
        videos = []
        for row in rows:
            anno = osp.join(self.data_root, 'anno', 'UAV123',
                            f'{row["name"]}.txt')
            num = row['end'] - row['start'] + 1
            gt = read_boxes(anno, min_rows=num, max_rows=num)
            videos.append(
                dict(video_name=row['name'],
                     img_dir=osp.join(self.data_root, 'data_seq', 'UAV123',
                                      row['folder']),
                     img_fmt='{:06d}.jpg', frame_start=row['start'],
                     num_frames=num, gt_bboxes=gt, visible=None, meta={}))
        return videos
