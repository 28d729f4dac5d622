"""Where the per-frame files of a benchmark sequence lie, read once for
training, testing and offline evaluation alike.

* LaSOT: ``<root>/<category>/<category>-<n>/`` with ``groundtruth.txt``,
  ``full_occlusion.txt`` and ``out_of_view.txt`` (0/1 flags on one line).
* GOT-10k: ``<root>/<split>/<sequence>/`` with ``groundtruth.txt``,
  ``absence.label`` (0/1), ``cover.label`` (0-8), ``cut_by_image.label``
  (0/1; one integer a line) and ``meta_info.ini`` (``resolution: (W, H)``).

Each rule (what makes a frame visible) stays with its user: the training
datasets follow the official STARK code, the evaluation the benchmark's
toolkit.
"""
import os.path as osp
from typing import Dict, Optional, Sequence, Tuple

import numpy as np

from .annotations import (parse_resolution, read_flag_line, read_ini,
                          read_label_column)

__all__ = [
    'lasot_sequence_dir', 'read_lasot_flags', 'read_got10k_labels',
    'read_got10k_meta'
]

#: GOT-10k label files and the values each may hold
GOT10K_LABELS = {
    'absence': (0, 1),
    'cover': tuple(range(9)),
    'cut_by_image': (0, 1),
}


def lasot_sequence_dir(root: str, name: str) -> str:
    """``<root>/<category>/<name>`` of a LaSOT sequence ``<category>-<n>``.
    """
    return osp.join(root, name.rsplit('-', 1)[0], name)


def read_lasot_flags(seq_dir: str, num_frames: int
                     ) -> Tuple[np.ndarray, np.ndarray]:
    """``(full_occlusion, out_of_view)`` of a LaSOT sequence, one bool per
    frame (a missing file or another count is an error naming it)."""
    return tuple(
        read_flag_line(osp.join(seq_dir, f'{kind}.txt'), num_frames)
        for kind in ('full_occlusion', 'out_of_view'))


def read_got10k_labels(seq_dir: str, num_frames: int,
                       required: Sequence[str] = ('absence', 'cover')
                       ) -> Dict[str, np.ndarray]:
    """The GOT-10k ``*.label`` files of a sequence that exist, by name
    (``absence``, ``cover``, ``cut_by_image``), one int64 per frame and
    checked against the values the benchmark defines. A ``required`` one
    that is missing raises FileNotFoundError."""
    labels = {}
    for name, allowed in GOT10K_LABELS.items():
        path = osp.join(seq_dir, f'{name}.label')
        if osp.isfile(path) or name in required:
            labels[name] = read_label_column(path, num_frames,
                                             allowed=allowed)
    return labels


def read_got10k_meta(seq_dir: str
                     ) -> Tuple[Dict[str, str], Optional[Tuple[float,
                                                                float]]]:
    """``(meta_info.ini as a dict, (W, H) resolution or None)`` of a GOT-10k
    sequence; ``({}, None)`` without the file."""
    path = osp.join(seq_dir, 'meta_info.ini')
    if not osp.isfile(path):
        return {}, None
    info = read_ini(path)
    return info, parse_resolution(info.get('resolution'))
