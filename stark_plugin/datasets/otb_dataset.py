"""OTB100 (test only) from its sequence table."""
import os.path as osp
from typing import List, Optional

from stark_plugin.registry import DATASETS
from .base_sot_dataset import BaseSOTDataset
from ..errors import AnnotationError
from ..fileio.annotations import read_boxes

SPLIT_DIR = osp.join(osp.dirname(__file__), 'splits')


def read_otb_table(path: str) -> List[dict]:
    """Rows of ``splits/otb100.txt`` (see its header)."""
    rows = []
    with open(path, 'r') as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip() or line.startswith('#'):
                continue
            parts = line.split()
            if len(parts) != 8:
                raise AnnotationError(f'{path}:{lineno}: expected 8 columns')
            name, img_dir, start, end, nz, ext, anno, omit = parts
            rows.append(dict(name=name, img_dir=img_dir, start=int(start),
                             end=int(end), nz=int(nz), ext=ext, anno=anno,
                             init_omit=int(omit)))
    return rows


@DATASETS.register_module()
class OTB100Dataset(BaseSOTDataset):
    """OTB100 as the official STARK/pytracking table defines it.

    ``data_root/<Seq>/img/0001.jpg`` and ``groundtruth_rect*.txt`` (any of
    comma/tab/space separators). The table fixes each sequence's frame
    range (e.g. David 300-770, BlurCar1 247-988), digits, annotation file
    (Human4 uses ``groundtruth_rect.2.txt``; Jogging and Skating2 have two
    targets) and frames to omit at the start (Tiger1: 5).
    ``sequences`` restricts the table to some names; ``use_table=False``
    instead takes every folder that has ``groundtruth_rect.txt`` with frames
    ``img/0001.jpg ...`` one per annotation row.
    """

    METAINFO = dict(benchmark='otb100', dataset_name='otb100')

    def __init__(self, *args, split: str = 'test',
                 sequences: Optional[List[str]] = None,
                 use_table: bool = True, **kwargs) -> None:
        self.sequences = sequences
        self.use_table = use_table
        super().__init__(*args, split=split, **kwargs)

    def _cache_extra(self) -> str:
        return f'{self.sequences}|{self.use_table}'

    def _rows(self) -> List[dict]:
        if self.use_table:
            rows = read_otb_table(osp.join(SPLIT_DIR, 'otb100.txt'))
        else:
            import os
            rows = [
                dict(name=n, img_dir=f'{n}/img', start=1, end=None, nz=4,
                     ext='jpg', anno=f'{n}/groundtruth_rect.txt',
                     init_omit=0)
                for n in sorted(os.listdir(self.data_root))
                if osp.isfile(
                    osp.join(self.data_root, n, 'groundtruth_rect.txt'))
            ]
        if self.sequences is not None:
            known = {r['name']: r for r in rows}
            missing = [s for s in self.sequences if s not in known]
            if missing:
                raise KeyError(f'OTB100 sequences not in the table: '
                               f'{missing}')
            rows = [known[s] for s in self.sequences]
        return rows

    def load_videos(self) -> List[dict]:
        videos = []
        for row in self._rows():
            anno = osp.join(self.data_root, row['anno'])
            gt = read_boxes(anno)
            if row['end'] is None:
                row['end'] = row['start'] + len(gt) - 1
            num = row['end'] - row['start'] + 1
            if len(gt) != num:
                raise AnnotationError(
                    f'{anno}:{len(gt) + 1}: {len(gt)} annotation rows, the '
                    f'sequence table expects {num} (frames {row["start"]}-'
                    f'{row["end"]})')
            omit = row['init_omit']
            videos.append(
                dict(video_name=row['name'],
                     img_dir=osp.join(self.data_root, row['img_dir']),
                     img_fmt='{:0%dd}.%s' % (row['nz'], row['ext']),
                     frame_start=row['start'] + omit,
                     num_frames=num - omit, gt_bboxes=gt[omit:],
                     visible=None, meta={}))
        return videos
