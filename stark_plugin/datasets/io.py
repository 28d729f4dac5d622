"""Readers for the small text files of tracking benchmarks.

Every reader raises :class:`AnnotationError` naming the file and the
1-based line of the first malformed entry, so a broken download is easy to
find. A fast path parses a well-formed file in one numpy call; the slow
path only runs to locate the error.
"""
import os
import os.path as osp
import re
from typing import List, Optional, Sequence, Tuple

import numpy as np

_SEP = re.compile(r'[,\t ;]+')
IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.webp')


class AnnotationError(ValueError):
    """A malformed annotation file (the message names file and line)."""


def _read_lines(path: str) -> List[str]:
    if not osp.isfile(path):
        raise FileNotFoundError(f'annotation file not found: {path}')
    with open(path, 'r', encoding='utf-8', newline=None) as f:
        lines = f.read().splitlines()
    # drop trailing empty lines only: an empty line inside is an error
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def _parse_row(path: str, lineno: int, line: str, ncols: int) -> List[float]:
    parts = [p for p in _SEP.split(line.strip()) if p]
    if len(parts) != ncols:
        raise AnnotationError(
            f'{path}:{lineno}: expected {ncols} numbers separated by '
            f'comma, tab or space, got {line.strip()!r}')
    try:
        return [float(p) for p in parts]
    except ValueError:
        raise AnnotationError(
            f'{path}:{lineno}: non-numeric value in {line.strip()!r}'
        ) from None


def read_boxes(path: str,
               min_rows: Optional[int] = None,
               max_rows: Optional[int] = None,
               bad_lines: Optional[List[Tuple[int, str]]] = None
               ) -> np.ndarray:
    """Read ``x,y,w,h`` rows (comma, tab or space separated) as float64.

    ``nan`` entries are accepted (some datasets write them for absent
    targets). ``min_rows``/``max_rows`` check the row count. A malformed
    line raises :class:`AnnotationError`, unless ``bad_lines`` is given:
    then the line becomes a NaN row and ``(line number, text)`` is
    appended to it.
    """
    lines = _read_lines(path)
    boxes = None
    if lines:
        try:
            flat = np.array(_SEP.split('\n'.join(lines).replace('\n', ' ')
                                       .strip()), dtype=np.float64)
            if flat.size == 4 * len(lines):
                boxes = flat.reshape(-1, 4)
        except ValueError:
            boxes = None
        if boxes is None and bad_lines is not None:
            rows = []
            for i, line in enumerate(lines):
                try:
                    rows.append(_parse_row(path, i + 1, line, 4))
                except AnnotationError:
                    rows.append([np.nan] * 4)
                    bad_lines.append((i + 1, line.strip()))
            boxes = np.array(rows, dtype=np.float64)
        if boxes is None:
            # locate the offending line (raises)
            for i, line in enumerate(lines):
                _parse_row(path, i + 1, line, 4)
            # every line parses alone but not together: an odd empty token
            boxes = np.array(
                [_parse_row(path, i + 1, ln, 4) for i, ln in enumerate(lines)],
                dtype=np.float64)
    else:
        boxes = np.zeros((0, 4), dtype=np.float64)
    if min_rows is not None and len(boxes) < min_rows:
        raise AnnotationError(
            f'{path}:{len(boxes) + 1}: annotation file is too short: '
            f'{len(boxes)} rows, expected {min_rows} (one per frame)')
    if max_rows is not None and len(boxes) > max_rows:
        raise AnnotationError(
            f'{path}:{max_rows + 1}: annotation file has {len(boxes)} rows, '
            f'more than the {max_rows} frames of the sequence')
    return boxes


def read_label_column(path: str, num_rows: Optional[int] = None,
                      allowed: Optional[Sequence[int]] = None) -> np.ndarray:
    """Read one integer per line (GOT-10k ``*.label`` files)."""
    lines = _read_lines(path)
    values = []
    for i, line in enumerate(lines):
        text = line.strip()
        try:
            value = int(float(text))
        except ValueError:
            raise AnnotationError(
                f'{path}:{i + 1}: expected one integer, got {text!r}'
            ) from None
        if allowed is not None and value not in allowed:
            raise AnnotationError(
                f'{path}:{i + 1}: value {value} not in {list(allowed)}')
        values.append(value)
    if num_rows is not None and len(values) != num_rows:
        raise AnnotationError(
            f'{path}:{len(values) + 1}: {len(values)} labels, expected '
            f'{num_rows} (one per frame)')
    return np.asarray(values, dtype=np.int64)


def read_flag_line(path: str, num_values: Optional[int] = None) -> np.ndarray:
    """Read 0/1 flags given on one line (LaSOT ``full_occlusion.txt``).

    Flags spread over several lines are accepted too.
    """
    lines = _read_lines(path)
    values = []
    for i, line in enumerate(lines):
        for token in (t for t in _SEP.split(line.strip()) if t):
            if token not in ('0', '1'):
                raise AnnotationError(
                    f'{path}:{i + 1}: expected 0/1 flags, got {token!r}')
            values.append(token == '1')
    if num_values is not None and len(values) != num_values:
        raise AnnotationError(
            f'{path}:{max(len(lines), 1)}: {len(values)} flags, expected '
            f'{num_values} (one per frame)')
    return np.asarray(values, dtype=bool)


def read_name_list(path: str) -> List[str]:
    """Read one name per line (split files), skipping blanks and ``#``."""
    return [
        ln.strip() for ln in _read_lines(path)
        if ln.strip() and not ln.lstrip().startswith('#')
    ]


def list_images(folder: str) -> List[str]:
    """Sorted image file names in ``folder`` (natural order of numbers)."""
    if not osp.isdir(folder):
        raise FileNotFoundError(f'image folder not found: {folder}')
    names = [
        n for n in os.listdir(folder)
        if n.lower().endswith(IMG_EXTENSIONS) and not n.startswith('.')
    ]

    def key(name: str):
        stem = osp.splitext(name)[0]
        return (0, int(stem), name) if stem.isdigit() else (1, 0, name)

    return sorted(names, key=key)


def check_files_exist(paths: Sequence[str], what: str = 'image') -> None:
    """Raise ``FileNotFoundError`` naming the first missing file."""
    for i, p in enumerate(paths):
        if not osp.isfile(p):
            raise FileNotFoundError(f'{what} not found: {p} (frame {i})')
