"""Readers for benchmark annotations and raw tracker result folders.

Layouts (as in the official downloads):

* LaSOT: ``<root>/<category>/<category>-<n>/groundtruth.txt`` plus
  ``full_occlusion.txt`` / ``out_of_view.txt`` (one line of 0/1 flags);
  the split is listed in ``<root>/testing_set.txt`` / ``training_set.txt``.
* GOT-10k: ``<root>/<split>/list.txt`` and ``<root>/<split>/<seq>/``
  holding ``groundtruth.txt``, ``absence.label``, ``cover.label``,
  ``cut_by_image.label`` and ``meta_info.ini`` (``resolution: (W, H)``).
* TrackingNet: ``<root>/<TRAIN_k|TEST>/anno/<video>.txt``.
* OTB100: ``<root>/<Seq>/groundtruth_rect.txt`` (``groundtruth_rect.<k>.txt``
  for the two-target sequences, named ``<Seq>_<k>``).
* UAV123: ``<root>/anno/<UAV123|UAV20L>/<seq>.txt`` (NaN rows allowed).

Result folders are read by :mod:`stark_plugin.fileio.results`.
"""
import glob
import os
import re
from dataclasses import dataclass
from typing import List, Optional, Tuple

import numpy as np

from ..fileio.annotations import read_boxes, read_name_list
from ..fileio.layouts import (lasot_sequence_dir, read_got10k_labels,
                              read_got10k_meta, read_lasot_flags)

__all__ = [
    'SequenceAnnotation', 'DATASETS', 'DEFAULT_SPLITS', 'load_benchmark'
]

DATASETS = ('lasot', 'got10k', 'trackingnet', 'otb100', 'uav123')
DEFAULT_SPLITS = {
    'lasot': 'test',
    'got10k': 'val',
    'trackingnet': 'TEST',
    'otb100': None,
    'uav123': 'UAV123',
}


@dataclass
class SequenceAnnotation:
    """Ground truth of one video as the benchmark ships it.

    ``visible``: dataset visibility (LaSOT: not full_occlusion and not
    out_of_view; GOT-10k: not absent and cover > 0); ``image_size`` is
    ``(W, H)`` where the dataset records it.
    """
    name: str
    gt_bboxes: np.ndarray
    visible: Optional[np.ndarray] = None
    absent: Optional[np.ndarray] = None
    cover: Optional[np.ndarray] = None
    image_size: Optional[Tuple[int, int]] = None


def _require_dir(path: str, what: str) -> None:
    if not os.path.isdir(path):
        raise FileNotFoundError(f'{what} not found: {path}')


# -- per dataset ---------------------------------------------------------
def _load_lasot(root: str, split: str) -> List[SequenceAnnotation]:
    list_file = {'test': 'testing_set.txt', 'train': 'training_set.txt'}.get(
        split)
    if list_file is None:
        raise ValueError(f'LaSOT split must be "test" or "train", got '
                         f'{split!r}')
    list_path = os.path.join(root, list_file)
    if not os.path.isfile(list_path):
        raise FileNotFoundError(
            f'LaSOT split file not found: {list_path} (it lists the '
            f'sequences of the {split!r} split)')
    out = []
    for name in read_name_list(list_path):
        seq_dir = lasot_sequence_dir(root, name)
        _require_dir(seq_dir, f'LaSOT sequence {name!r}')
        gt = read_boxes(os.path.join(seq_dir, 'groundtruth.txt'))
        occlusion, out_of_view = read_lasot_flags(seq_dir, len(gt))
        absent = occlusion | out_of_view
        out.append(SequenceAnnotation(name, gt, ~absent, absent))
    return out


def _load_got10k(root: str, split: str) -> List[SequenceAnnotation]:
    split_dir = os.path.join(root, split)
    if not os.path.isdir(split_dir):
        if os.path.isfile(os.path.join(root, 'list.txt')):
            split_dir = root  # the split folder itself was given
        else:
            raise FileNotFoundError(
                f'GOT-10k split folder not found: {split_dir}')
    list_path = os.path.join(split_dir, 'list.txt')
    if os.path.isfile(list_path):
        names = read_name_list(list_path)
    else:
        names = sorted(d for d in os.listdir(split_dir)
                       if os.path.isdir(os.path.join(split_dir, d)))
    out = []
    for name in names:
        seq_dir = os.path.join(split_dir, name)
        _require_dir(seq_dir, f'GOT-10k sequence {name!r}')
        gt = read_boxes(os.path.join(seq_dir, 'groundtruth.txt'))
        labels = read_got10k_labels(seq_dir, len(gt), required=())
        absent = labels['absence'].astype(bool) if 'absence' in labels \
            else None
        cover = labels.get('cover')
        visible = None
        if absent is not None or cover is not None:
            visible = np.ones(len(gt), dtype=bool)
            if absent is not None:
                visible &= ~absent
            if cover is not None:
                visible &= cover > 0
        _, size = read_got10k_meta(seq_dir)
        out.append(SequenceAnnotation(name, gt, visible, absent, cover, size))
    return out


def _load_trackingnet(root: str, split: str) -> List[SequenceAnnotation]:
    if not re.fullmatch(r'TRAIN_(\d|1[01])|TEST', split):
        raise ValueError(f'TrackingNet split must be TRAIN_0..TRAIN_11 or '
                         f'TEST, got {split!r}')
    anno_dir = os.path.join(root, split, 'anno')
    _require_dir(anno_dir, 'TrackingNet annotation folder')
    files = sorted(f for f in os.listdir(anno_dir) if f.endswith('.txt'))
    return [
        SequenceAnnotation(f[:-4], read_boxes(os.path.join(anno_dir, f)))
        for f in files
    ]


def _load_otb(root: str, split: Optional[str]) -> List[SequenceAnnotation]:
    out = []
    for seq in sorted(os.listdir(root)):
        seq_dir = os.path.join(root, seq)
        if not os.path.isdir(seq_dir):
            continue
        files = sorted(
            glob.glob(os.path.join(seq_dir, 'groundtruth_rect*.txt')))
        files = [f for f in files if os.path.getsize(f) > 0]
        for path in files:
            m = re.search(r'groundtruth_rect\.(\d+)\.txt$', path)
            name = f'{seq}_{m.group(1)}' if m else seq
            out.append(SequenceAnnotation(name, read_boxes(path)))
    if not out:
        raise FileNotFoundError(f'no OTB sequence (<Seq>/groundtruth_rect.txt)'
                                f' found under {root}')
    return out


def _load_uav(root: str, split: str) -> List[SequenceAnnotation]:
    for cand in (os.path.join(root, 'anno', split),
                 os.path.join(root, split, 'anno', split)):
        if os.path.isdir(cand):
            anno_dir = cand
            break
    else:
        raise FileNotFoundError(
            f'UAV123 annotation folder not found: {root}/anno/{split}')
    files = sorted(f for f in os.listdir(anno_dir) if f.endswith('.txt'))
    return [
        SequenceAnnotation(f[:-4], read_boxes(os.path.join(anno_dir, f)))
        for f in files
    ]


_LOADERS = {
    'lasot': _load_lasot,
    'got10k': _load_got10k,
    'trackingnet': _load_trackingnet,
    'otb100': _load_otb,
    'uav123': _load_uav,
}


def load_benchmark(dataset: str,
                   data_root: str,
                   split: Optional[str] = None) -> List[SequenceAnnotation]:
    """Annotations of every sequence of ``dataset``'s ``split``, by name."""
    dataset = dataset.lower()
    if dataset not in _LOADERS:
        raise ValueError(f'unknown dataset {dataset!r}; expected one of '
                         f'{DATASETS}')
    _require_dir(data_root, f'{dataset} data root')
    split = split or DEFAULT_SPLITS[dataset]
    seqs = _LOADERS[dataset](data_root, split)
    return sorted(seqs, key=lambda s: s.name)
