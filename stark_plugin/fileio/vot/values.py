"""Per-frame files of VOT folders: one value a line, line ``i`` = frame
``i``.

* sequence annotations: ``*.tag`` / ``*.label`` (``0`` or ``1``) and
  ``*.value`` (a number; ``anchor.value``: ``1`` forward anchor, ``-1``
  backward, ``0`` none), read by :func:`read_frame_values` and padded to
  the sequence length as the toolkit pads them; written by
  :func:`write_frame_values`.
* results: ``<run>_<property>.value`` (``time``, ``confidence``), an empty
  line where the frame has no value (the toolkit's ``to_string(None)``,
  e.g. the initialisation frame's confidence); :func:`read_values` and
  :func:`write_values`.
"""
import math
from typing import Iterable, List, Optional, Union

import numpy as np

from ...errors import AnnotationError
from ..atomic import atomic_write_text
from .regions import text_lines

__all__ = ['read_frame_values', 'write_frame_values', 'read_values',
           'write_values']


def _tag(text: str) -> bool:
    if text not in ('0', '1'):
        raise AnnotationError(text)
    return text == '1'


def read_frame_values(path: str, length: int, tag: bool) -> np.ndarray:
    """A sequence's tag (bool, ``tag=True``) or value (float64) file,
    padded with False / 0 to ``length`` frames."""
    parse, pad = (_tag, False) if tag else (float, 0.0)
    lines = text_lines(path)
    if len(lines) > length:
        raise AnnotationError(
            f'{path}: {len(lines)} lines for {length} frames')
    out = []
    for i, line in enumerate(lines, 1):
        try:
            out.append(parse(line.strip()))
        except ValueError:
            raise AnnotationError(
                f'{path}:{i}: invalid value {line!r}') from None
    values = np.array(out + [pad] * (length - len(lines)))
    return values.astype(bool if tag else np.float64)


def write_frame_values(path: str, values: Iterable[Union[int, float]]
                       ) -> None:
    """A sequence's tag or value file, one ``str(value)`` a line (``1``,
    ``-1``, ``0.5``), atomically."""
    atomic_write_text(path, ''.join(f'{v}\n' for v in values))


def _format_value(value: Optional[float]) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ''
    return str(float(value))


def write_values(path: str, values: Iterable[Optional[float]]) -> None:
    """One result ``.value`` line per frame (``str(float)``, empty for
    ``None``), atomically."""
    atomic_write_text(path, ''.join(_format_value(v) + '\n' for v in values))


def read_values(path: str) -> List[Optional[float]]:
    """A result ``.value`` file; ``None`` for an empty line. Raises
    ``ValueError`` naming file and line for anything else that is not a
    number."""
    out: List[Optional[float]] = []
    for i, line in enumerate(text_lines(path), 1):
        text = line.strip()
        if not text or text == 'None':
            out.append(None)
            continue
        try:
            out.append(float(text))
        except ValueError:
            raise AnnotationError(
                f'{path}:{i}: expected a number or an empty line, got '
                f'{text[:40]!r}') from None
    return out
