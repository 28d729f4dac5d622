"""Robust readers for the plain-text files of tracking benchmarks.

Box files hold one ``x, y, w, h`` row a line, separated by commas, tabs or
spaces (a comma with spaces around it is fine), with LF or CRLF line ends,
leading spaces and ``nan`` values allowed. Anything else raises a
``ValueError`` naming the file and the 1-based line number.
"""
import os
import re
from typing import List, Optional

import numpy as np

__all__ = [
    'read_text_lines', 'load_boxes', 'load_flags_line', 'load_label_column',
    'load_times', 'read_ini_value'
]

_SEP = re.compile(r'\s*,\s*|\s+')


def read_text_lines(path: str) -> List[str]:
    """Lines of a text file without line ends (LF, CRLF or CR)."""
    with open(path, 'rb') as f:
        data = f.read()
    try:
        text = data.decode('utf-8-sig')
    except UnicodeDecodeError as exc:
        raise ValueError(f'{path}: not a UTF-8 text file ({exc})') from None
    return text.splitlines()


def _parse_row(fields: List[str], path: str, lineno: int,
               ncols: Optional[int]) -> List[float]:
    if ncols is not None and len(fields) != ncols:
        raise ValueError(f'{path}:{lineno}: expected {ncols} values, found '
                         f'{len(fields)} ({" ".join(fields)!r})')
    try:
        return [float(v) for v in fields]
    except ValueError:
        raise ValueError(f'{path}:{lineno}: not a number in '
                         f'{",".join(fields)!r}') from None


def load_boxes(path: str, ncols: int = 4) -> np.ndarray:
    """Read an ``(N, ncols)`` float64 array of boxes from ``path``.

    Empty lines at the end are ignored; an empty line in the middle, a
    wrong number of values or a non-number raises ``ValueError``
    (``'<file>:<line>: ...'``).
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(f'box file not found: {path}')
    lines = read_text_lines(path)
    while lines and not lines[-1].strip():
        lines.pop()
    rows = []
    for lineno, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped:
            raise ValueError(f'{path}:{lineno}: empty line')
        rows.append(_parse_row(_SEP.split(stripped), path, lineno, ncols))
    if not rows:
        return np.zeros((0, ncols), dtype=np.float64)
    return np.asarray(rows, dtype=np.float64)


def load_flags_line(path: str) -> np.ndarray:
    """LaSOT flag files: all 0/1 flags on one line (or several), comma
    separated; returns a bool array."""
    values = []
    for lineno, line in enumerate(read_text_lines(path), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        for v in _SEP.split(stripped):
            if v not in ('0', '1'):
                raise ValueError(f'{path}:{lineno}: expected 0/1 flags, '
                                 f'found {v!r}')
            values.append(v == '1')
    return np.asarray(values, dtype=bool)


def load_label_column(path: str) -> np.ndarray:
    """GOT-10k ``*.label`` files: one integer a line."""
    values = []
    lines = read_text_lines(path)
    while lines and not lines[-1].strip():
        lines.pop()
    for lineno, line in enumerate(lines, start=1):
        try:
            values.append(int(line.strip()))
        except ValueError:
            raise ValueError(f'{path}:{lineno}: expected an integer label, '
                             f'found {line.strip()!r}') from None
    return np.asarray(values, dtype=np.int64)


def load_times(path: str) -> np.ndarray:
    """Per-frame times in seconds, one a line (first column if several)."""
    lines = read_text_lines(path)
    while lines and not lines[-1].strip():
        lines.pop()
    values = []
    for lineno, line in enumerate(lines, start=1):
        fields = _SEP.split(line.strip())
        values.append(_parse_row(fields[:1], path, lineno, 1)[0])
    return np.asarray(values, dtype=np.float64)


def read_ini_value(path: str, key: str) -> Optional[str]:
    """Value of ``key: value`` (or ``key = value``) in an ini-like file."""
    for line in read_text_lines(path):
        m = re.match(r'\s*([^:=]+?)\s*[:=]\s*(.*?)\s*$', line)
        if m and m.group(1) == key:
            return m.group(2)
    return None
