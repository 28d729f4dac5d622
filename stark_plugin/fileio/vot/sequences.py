"""VOT sequence folders and ``list.txt``, as vot-toolkit reads them::

    ROOT/list.txt                 sequence names, one a line
    ROOT/<seq>/sequence           key=value lines (channels.color, fps,
                                  name, width, height, length, ...)
    ROOT/<seq>/color/00000001.jpg ... (``channels.color``)
    ROOT/<seq>/groundtruth.txt    regions (:mod:`.regions`)
    ROOT/<seq>/*.tag, *.value     per-frame files (:mod:`.values`)
"""
import glob
import os.path as osp
import re
from dataclasses import dataclass
from typing import Dict, List, Mapping, Optional, Sequence

import numpy as np

from ...errors import AnnotationError, InputError
from ..atomic import atomic_write_text
from .regions import VOTRegion, read_trajectory, text_lines
from .values import read_frame_values

__all__ = [
    'VOTSequenceFolder', 'read_sequence', 'read_sequence_list',
    'write_sequence_list', 'write_sequence_properties', 'read_dataset',
    'check_sequence_folders', 'color_frame_pattern', 'find_sequence_list'
]


@dataclass
class VOTSequenceFolder:
    """A VOT sequence folder.

    ``width``/``height`` are ``None`` when the ``sequence`` file lacks them
    (the toolkit then reads the first image). ``groundtruth`` is padded with
    ``0`` (unknown) to the length, as by the toolkit. ``tags`` (``*.tag``,
    ``*.label``: bool per frame) and ``values`` (``*.value``: float per
    frame, e.g. ``values['anchor']``) are padded with False / 0.
    """
    name: str  # the folder name, as the toolkit names sequences
    path: str
    width: Optional[int]
    height: Optional[int]
    metadata: Dict[str, str]
    groundtruth: List[VOTRegion]
    tags: Dict[str, np.ndarray]
    values: Dict[str, np.ndarray]

    @property
    def length(self) -> int:
        return len(self.groundtruth)


def _read_properties(path: str) -> Dict[str, str]:
    out = {}
    pattern = re.compile(r'^([a-zA-Z0-9_\-.]+) *= *(.*)$')
    for i, line in enumerate(text_lines(path), 1):
        if not line.strip():
            continue
        match = pattern.match(line.strip())
        if not match:
            raise AnnotationError(
                f'{path}:{i}: expected key=value, got {line!r}')
        out[match.group(1)] = match.group(2)
    return out


def write_sequence_properties(folder: str,
                              properties: Mapping[str, object]) -> None:
    """``<folder>/sequence``: one ``key=value`` line per entry, in order."""
    atomic_write_text(osp.join(folder, 'sequence'), ''.join(
        f'{key}={value}\n' for key, value in properties.items()))


def _int_property(meta: Dict[str, str], key: str, path: str) -> Optional[int]:
    if meta.get(key) in (None, ''):
        return None
    try:
        return int(meta[key])
    except ValueError:
        raise AnnotationError(
            f'{path}: {key}={meta[key]!r} is not an integer') from None


def color_frame_pattern(meta: Dict[str, str]) -> str:
    """The colour channel's frame pattern relative to the sequence folder
    (``channels.color``, default ``color/%08d.jpg``; a folder alone gets
    ``%08d.jpg``), frames numbered from 1."""
    pattern = meta.get('channels.color', 'color/%08d.jpg')
    if not osp.splitext(pattern)[1]:
        pattern = osp.join(pattern, '%08d.jpg')
    return pattern


def _count_images(root: str, meta: Dict[str, str]) -> int:
    """Frames of the colour channel (``%08d`` pattern, from 1), as the
    toolkit counts them when the length is not given."""
    pattern = color_frame_pattern(meta)
    n = 0
    while osp.isfile(osp.join(root, pattern % (n + 1))):
        n += 1
    return n


def read_sequence(path: str) -> VOTSequenceFolder:
    """A sequence folder: ``sequence`` (``key=value``; optional),
    ground truth (``groundtruth.txt`` or the ``groundtruth`` key), tags and
    values."""
    if not osp.isdir(path):
        raise FileNotFoundError(f'{path}: no such sequence folder')
    meta_file = osp.join(path, 'sequence')
    meta = _read_properties(meta_file) if osp.isfile(meta_file) else {}
    if glob.glob(osp.join(path, 'groundtruth_*.txt')):
        raise NotImplementedError(f'{path}: multi-object ground truth '
                                  '(groundtruth_*.txt) is not supported')
    gt_file = osp.join(path, meta.get('groundtruth', 'groundtruth.txt'))
    gt = read_trajectory(gt_file)
    length = _int_property(meta, 'length', meta_file)
    if length is None:
        length = _count_images(path, meta) or len(gt)
    if len(gt) > length:
        raise AnnotationError(
            f'{gt_file}: {len(gt)} regions for {length} frames')
    gt = gt + [0] * (length - len(gt))
    tags, values = {}, {}
    for f in sorted(glob.glob(osp.join(path, '*.tag')) +
                    glob.glob(osp.join(path, '*.label'))):
        tags[osp.splitext(osp.basename(f))[0]] = read_frame_values(
            f, length, tag=True)
    for f in sorted(glob.glob(osp.join(path, '*.value'))):
        values[osp.splitext(osp.basename(f))[0]] = read_frame_values(
            f, length, tag=False)
    return VOTSequenceFolder(
        osp.basename(osp.normpath(path)), path,
        _int_property(meta, 'width', meta_file),
        _int_property(meta, 'height', meta_file), meta, gt, tags, values)


def read_sequence_list(root: str) -> List[str]:
    """Sequence names of ``root/list.txt`` (or of a list file)."""
    path = osp.join(root, 'list.txt') if osp.isdir(root) else root
    return [line.strip() for line in text_lines(path) if line.strip()]


def write_sequence_list(root: str, names: Sequence[str]) -> None:
    """``root/list.txt``, one name a line, atomically."""
    atomic_write_text(osp.join(root, 'list.txt'),
                      ''.join(f'{name}\n' for name in names))


def check_sequence_folders(root: str) -> List[str]:
    """The names of ``root/list.txt``, checked: the list exists, names at
    least one sequence, and every named folder exists."""
    listing = osp.join(root, 'list.txt')
    if not osp.isfile(listing):
        raise FileNotFoundError(f'{listing} not found: a VOT dataset folder '
                                'has list.txt and one folder per sequence')
    names = read_sequence_list(root)
    if not names:
        raise InputError(f'{listing} lists no sequence')
    for name in names:
        if not osp.isdir(osp.join(root, name)):
            raise FileNotFoundError(f'{osp.join(root, name)}: sequence of '
                                    f'{listing} not found')
    return names


def find_sequence_list(root: str) -> str:
    """The folder holding ``list.txt``: ``root`` itself (the toolkit's
    ``sequences`` folder), ``root/sequences`` (a toolkit workspace) or
    ``root/data`` (mmtracking 0.x's ``data/vot2018/data``)."""
    for sub in ('', 'sequences', 'data'):
        folder = osp.join(root, sub) if sub else root
        if osp.isfile(osp.join(folder, 'list.txt')):
            return folder
    raise FileNotFoundError(
        f'no VOT list.txt in {root}, {osp.join(root, "sequences")} or '
        f'{osp.join(root, "data")}')


def read_dataset(root: str) -> List[VOTSequenceFolder]:
    """Every sequence of ``root/list.txt``, in list order."""
    return [read_sequence(osp.join(root, name))
            for name in read_sequence_list(root)]
