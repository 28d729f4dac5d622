"""The one reader of the small text files of tracking benchmarks.

Box files hold one row of numbers a line (``x,y,w,h``), separated by
commas (spaces around them allowed), tabs or spaces, with LF, CRLF or CR
line ends, an optional UTF-8 byte-order mark, leading spaces and ``nan``
values. Empty lines at the end are ignored; anything else malformed raises
:class:`~stark_plugin.errors.AnnotationError` naming the file and the
1-based line, so that a broken download is easy to find. Training, testing,
offline evaluation and the demo all read through here, so a file that
passes one passes all.
"""
import math
import os.path as osp
import re
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..errors import AnnotationError

__all__ = [
    'read_text_lines', 'split_fields', 'parse_row', 'parse_box_line',
    'read_boxes',
    'read_first_box', 'read_label_column', 'read_flag_line',
    'read_name_list', 'read_times', 'read_ini',
    'parse_resolution'
]

_SEP = re.compile(r'\s*,\s*|\s+')


def read_text_lines(path: str, what: str = 'annotation file') -> List[str]:
    """Lines of a text file without line ends; trailing empty lines are
    dropped (an empty line inside stays, for the caller to judge)."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'{what} not found: {path}')
    with open(path, 'rb') as f:
        data = f.read()
    try:
        text = data.decode('utf-8-sig')
    except UnicodeDecodeError as exc:
        raise AnnotationError(f'{path}: not a UTF-8 text file ({exc})'
                              ) from None
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def split_fields(line: str) -> List[str]:
    """The fields of one line (an empty field between two commas stays, so
    that it is reported)."""
    stripped = line.strip()
    return _SEP.split(stripped) if stripped else []


def _expected(ncols: int) -> str:
    return f'expected {ncols} numbers' + (' x,y,w,h' if ncols == 4 else '')


def parse_row(line: str, where: str, ncols: int = 4,
              finite: bool = False) -> List[float]:
    """``ncols`` numbers of one line; ``where`` (``file:line``) starts the
    error message. ``finite=True`` also rejects ``nan`` / ``inf``."""
    fields = split_fields(line)
    if not fields:
        raise AnnotationError(f'{where}: empty line')
    if len(fields) != ncols:
        raise AnnotationError(
            f'{where}: {_expected(ncols)} separated by commas, tabs or '
            f'spaces, got {line.strip()!r}')
    try:
        values = [float(v) for v in fields]
    except ValueError:
        raise AnnotationError(f'{where}: {_expected(ncols)}, got '
                              f'{line.strip()!r} (a non-numeric value)'
                              ) from None
    if finite and not all(math.isfinite(v) for v in values):
        raise AnnotationError(f'{where}: {_expected(ncols)}, got '
                              f'{line.strip()!r} (a non-finite value)')
    return values


def parse_box_line(line: str, where: str = 'box') -> List[float]:
    """One finite ``x,y,w,h`` box; eight values (a VOT polygon) give the
    polygon's axis-aligned bounding box."""
    fields = split_fields(line)
    if len(fields) == 8:
        xy = parse_row(line, where, 8, finite=True)
        xs, ys = xy[0::2], xy[1::2]
        return [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)]
    return parse_row(line, where, 4, finite=True)


def _check_rows(path: str, n: int, min_rows: Optional[int],
                max_rows: Optional[int]) -> None:
    if min_rows is not None and n < min_rows:
        raise AnnotationError(
            f'{path}:{n + 1}: annotation file is too short: {n} rows, '
            f'expected {min_rows} (one per frame)')
    if max_rows is not None and n > max_rows:
        raise AnnotationError(
            f'{path}:{max_rows + 1}: annotation file has {n} rows, more '
            f'than the {max_rows} frames of the sequence')


def read_boxes(path: str,
               min_rows: Optional[int] = None,
               max_rows: Optional[int] = None,
               bad_lines: Optional[List[Tuple[int, str]]] = None,
               ncols: int = 4) -> np.ndarray:
    """Read an ``(N, ncols)`` float64 array of rows (``nan`` allowed).

    ``min_rows`` / ``max_rows`` check the row count. A malformed line
    raises :class:`AnnotationError`, unless ``bad_lines`` is given: then
    the line becomes a NaN row and ``(line number, text)`` is appended to
    it (training tolerates a few broken lines of a large dataset).
    """
    rows = []
    for lineno, line in enumerate(read_text_lines(path), start=1):
        fields = split_fields(line)
        if len(fields) == ncols:
            try:
                rows.append([float(v) for v in fields])
                continue
            except ValueError:
                pass
        try:
            parse_row(line, f'{path}:{lineno}', ncols)  # raises
        except AnnotationError:
            if bad_lines is None:
                raise
            rows.append([np.nan] * ncols)
            bad_lines.append((lineno, line.strip()))
    boxes = np.array(rows, dtype=np.float64).reshape(-1, ncols)
    _check_rows(path, len(boxes), min_rows, max_rows)
    return boxes


def read_first_box(path: str) -> List[float]:
    """The first non-empty line of a box file as a finite ``[x, y, w, h]``
    (the demo's ``--bbox-file``)."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'bbox file not found: {path}')
    for lineno, line in enumerate(read_text_lines(path), start=1):
        if line.strip():
            return parse_box_line(line, f'{path}:{lineno}')
    raise AnnotationError(f'bbox file is empty: {path}')


def read_label_column(path: str, num_rows: Optional[int] = None,
                      allowed: Optional[Sequence[int]] = None) -> np.ndarray:
    """One integer a line (GOT-10k ``*.label`` files)."""
    values = []
    for lineno, line in enumerate(read_text_lines(path), start=1):
        text = line.strip()
        try:
            number = float(text)
            value = int(number)
            if value != number:
                raise ValueError
        except (ValueError, OverflowError):
            raise AnnotationError(
                f'{path}:{lineno}: expected one integer, got {text!r}'
            ) from None
        if allowed is not None and value not in allowed:
            raise AnnotationError(
                f'{path}:{lineno}: value {value} not in {list(allowed)}')
        values.append(value)
    if num_rows is not None and len(values) != num_rows:
        raise AnnotationError(
            f'{path}:{len(values) + 1}: {len(values)} labels, expected '
            f'{num_rows} (one per frame)')
    return np.asarray(values, dtype=np.int64)


def read_flag_line(path: str, num_values: Optional[int] = None) -> np.ndarray:
    """0/1 flags on one line (LaSOT ``full_occlusion.txt``); flags spread
    over several lines are accepted too."""
    lines = read_text_lines(path)
    values = []
    for lineno, line in enumerate(lines, start=1):
        for token in split_fields(line):
            if token not in ('0', '1'):
                raise AnnotationError(
                    f'{path}:{lineno}: expected 0/1 flags, got {token!r}')
            values.append(token == '1')
    if num_values is not None and len(values) != num_values:
        raise AnnotationError(
            f'{path}:{max(len(lines), 1)}: {len(values)} flags, expected '
            f'{num_values} (one per frame)')
    return np.asarray(values, dtype=bool)


def read_name_list(path: str) -> List[str]:
    """One name a line (split and list files), skipping blanks and ``#``."""
    return [
        ln.strip() for ln in read_text_lines(path, 'list file')
        if ln.strip() and not ln.lstrip().startswith('#')
    ]


def read_times(path: str) -> np.ndarray:
    """Per-frame times in seconds, one a line (first column if several)."""
    values = []
    for lineno, line in enumerate(read_text_lines(path, 'time file'),
                                  start=1):
        fields = split_fields(line)
        values.append(parse_row(fields[0] if fields else '',
                                f'{path}:{lineno}', 1)[0])
    return np.asarray(values, dtype=np.float64)


def read_ini(path: str) -> Dict[str, str]:
    """Every ``key: value`` (or ``key = value``) line of an ini-like file
    (GOT-10k ``meta_info.ini``); ``[section]`` lines are skipped and the
    first value of a repeated key is kept."""
    values: Dict[str, str] = {}
    for line in read_text_lines(path, 'meta file'):
        m = re.match(r'\s*([^:=\[]+?)\s*[:=]\s*(.*?)\s*$', line)
        if m:
            values.setdefault(m.group(1), m.group(2))
    return values


def parse_resolution(text: Optional[str]
                     ) -> Optional[Tuple[float, float]]:
    """``(W, H)`` of a GOT-10k ``resolution`` value such as ``(1280,
    720)`` (brackets optional); ``None`` when the text is missing or not
    two numbers. Whole numbers come back as ints."""
    if not text:
        return None
    m = re.match(r'\(?\s*(\d+(?:\.\d*)?)\s*,\s*(\d+(?:\.\d*)?)\s*\)?$',
                 text.strip())
    if not m:
        return None
    w, h = (float(v) for v in m.groups())
    return tuple(int(v) if v.is_integer() else v for v in (w, h))
