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

Result folders hold one tracker each: ``<dir>/<seq>.txt`` (pytracking /
STARK raw style, any separator) or ``<dir>/<seq>/<seq>_001.txt`` (GOT-10k
submission style); ``*_time.txt`` files are per-frame times, never results.
"""
import glob
import logging
import os
import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import numpy as np
from mmengine.logging import print_log

from .io import (load_boxes, load_flags_line, load_label_column, load_times,
                 read_ini_value, read_text_lines)

__all__ = [
    'SequenceAnnotation', 'TrackerResult', 'DATASETS', 'DEFAULT_SPLITS',
    'load_benchmark', 'find_result_file', 'load_tracker_results',
    'list_result_sequences'
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


@dataclass
class TrackerResult:
    """Raw boxes (and per-frame times, if found) of one tracker on a video."""
    pred_bboxes: np.ndarray
    frame_times: Optional[np.ndarray] = None
    path: str = ''


def _check_len(name: str, path: str, n_gt: int, arr: np.ndarray) -> None:
    if len(arr) != n_gt:
        raise ValueError(f'{path}: {len(arr)} entries but {n_gt} GT boxes '
                         f'for sequence {name!r}')


def _read_list(path: str) -> List[str]:
    return [ln.strip() for ln in read_text_lines(path) if ln.strip()]


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
    for name in _read_list(list_path):
        category = name.rsplit('-', 1)[0]
        seq_dir = os.path.join(root, category, name)
        _require_dir(seq_dir, f'LaSOT sequence {name!r}')
        gt_path = os.path.join(seq_dir, 'groundtruth.txt')
        gt = load_boxes(gt_path)
        flags = []
        for fname in ('full_occlusion.txt', 'out_of_view.txt'):
            path = os.path.join(seq_dir, fname)
            f = load_flags_line(path)
            _check_len(name, path, len(gt), f)
            flags.append(f)
        absent = flags[0] | flags[1]
        out.append(SequenceAnnotation(name, gt, ~absent, absent))
    return out


def _parse_resolution(text: Optional[str]) -> Optional[Tuple[int, int]]:
    if not text:
        return None
    m = re.match(r'\(?\s*(\d+(?:\.\d*)?)\s*,\s*(\d+(?:\.\d*)?)\s*\)?$', text)
    return (float(m.group(1)), float(m.group(2))) if m else None


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
        names = _read_list(list_path)
    else:
        names = sorted(d for d in os.listdir(split_dir)
                       if os.path.isdir(os.path.join(split_dir, d)))
    out = []
    for name in names:
        seq_dir = os.path.join(split_dir, name)
        _require_dir(seq_dir, f'GOT-10k sequence {name!r}')
        gt = load_boxes(os.path.join(seq_dir, 'groundtruth.txt'))
        labels = {}
        for key in ('absence', 'cover'):
            path = os.path.join(seq_dir, f'{key}.label')
            if os.path.isfile(path):
                labels[key] = load_label_column(path)
                _check_len(name, path, len(gt), labels[key])
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
        meta = os.path.join(seq_dir, 'meta_info.ini')
        size = _parse_resolution(read_ini_value(meta, 'resolution')) \
            if os.path.isfile(meta) else None
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
        SequenceAnnotation(f[:-4], load_boxes(os.path.join(anno_dir, f)))
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
            out.append(SequenceAnnotation(name, load_boxes(path)))
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
        SequenceAnnotation(f[:-4], load_boxes(os.path.join(anno_dir, f)))
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


# -- results -------------------------------------------------------------
def _name_variants(seq: str) -> List[str]:
    names = [seq]
    m = re.fullmatch(r'(.+)_(\d+)', seq)
    # OTB two-target sequences: pytracking `Jogging_1`, got10k `Jogging.1`
    if m:
        names.append(f'{m.group(1)}.{m.group(2)}')
    return names


def find_result_file(results_dir: str,
                     seq: str) -> Tuple[Optional[str], Optional[str]]:
    """Paths of the result and time files of ``seq`` (``None`` if absent)."""
    for name in _name_variants(seq):
        cands = [
            (os.path.join(results_dir, f'{name}.txt'), [
                os.path.join(results_dir, f'{name}_time.txt'),
                os.path.join(results_dir, 'times', f'{name}_time.txt')
            ]),
            (os.path.join(results_dir, name, f'{name}_001.txt'),
             [os.path.join(results_dir, name, f'{name}_time.txt')]),
        ]
        for path, times in cands:
            if os.path.isfile(path):
                time_path = next((t for t in times if os.path.isfile(t)), None)
                return path, time_path
    return None, None


def list_result_sequences(results_dir: str) -> List[str]:
    """Sequence names with results in ``results_dir`` (``_time`` files and
    other non-result files ignored)."""
    names = set()
    for entry in os.listdir(results_dir):
        full = os.path.join(results_dir, entry)
        if entry.endswith('.txt') and not entry.endswith('_time.txt') \
                and os.path.isfile(full):
            names.add(entry[:-4])
        elif os.path.isfile(os.path.join(full, f'{entry}_001.txt')):
            names.add(entry)
    return sorted(names)


def load_tracker_results(results_dir: str,
                         seq_names: List[str],
                         skip_missing: bool = False
                         ) -> Dict[str, TrackerResult]:
    """Read a tracker's raw results for ``seq_names``.

    Missing sequences raise ``FileNotFoundError`` (listing them) unless
    ``skip_missing``, in which case they are left out with a warning.
    """
    _require_dir(results_dir, 'results folder')
    out, missing = {}, []
    for seq in seq_names:
        path, time_path = find_result_file(results_dir, seq)
        if path is None:
            missing.append(seq)
            continue
        boxes = load_boxes(path)
        times = load_times(time_path) if time_path else None
        extra = glob.glob(os.path.join(os.path.dirname(path),
                                       f'{glob.escape(seq)}_00[2-9].txt'))
        if extra and path.endswith('_001.txt'):
            print_log(f'{os.path.dirname(path)}: only repetition 001 is '
                      f'scored ({len(extra)} more found)', 'current',
                      logging.WARNING)
        out[seq] = TrackerResult(boxes, times, path)
    if missing:
        msg = (f'{results_dir}: no results for {len(missing)} of '
               f'{len(seq_names)} sequences: {", ".join(missing[:10])}'
               + (' ...' if len(missing) > 10 else ''))
        if not skip_missing:
            raise FileNotFoundError(msg)
        print_log(msg + ' (skipped)', 'current', logging.WARNING)
    return out
