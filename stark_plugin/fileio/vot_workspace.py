"""The rest of a vot-toolkit workspace: per-frame ``.value`` files, stack
files and one experiment's result folder.

* ``<run>_<property>.value`` (``time``, ``confidence``): one line a frame,
  ``str(value)``, an empty line where the frame has no value (the toolkit's
  ``to_string(None)``), e.g. the initialisation frame's confidence.
* stack ``*.yaml``: read as data (``yaml.safe_load``), never executed.
* results: ``<tracker>/<experiment>/<seq>/<seq>_<run:03d>.txt|.bin``
  (supervised, unsupervised) or ``<seq>_<anchor:08d>.txt|.bin``
  (multistart), with their ``.value`` files beside them.
"""
import math
import os.path as osp
from typing import Dict, Iterable, List, Optional, Sequence

import yaml

from ..errors import AnnotationError
from .atomic import atomic_write_text
from .vot import VOTRegion, read_anchor_runs, read_runs

__all__ = [
    'write_values', 'read_values', 'read_stack', 'run_stem', 'anchor_stem',
    'existing_trajectory', 'read_experiment_runs', 'read_run_values'
]


def _format_value(value: Optional[float]) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ''
    return str(float(value))


def write_values(path: str, values: Iterable[Optional[float]]) -> None:
    """One ``.value`` line per frame (empty for ``None``), atomically."""
    atomic_write_text(path, ''.join(_format_value(v) + '\n' for v in values))


def read_values(path: str) -> List[Optional[float]]:
    """A ``.value`` file; ``None`` for an empty line. Raises ``ValueError``
    naming file and line for anything else that is not a number."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: no such file')
    out: List[Optional[float]] = []
    with open(path, encoding='utf-8') as f:
        for i, line in enumerate(f.read().splitlines(), 1):
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


def read_stack(path: str) -> dict:
    """A vot-toolkit stack file as plain data (``experiments`` required)."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: no such stack file')
    with open(path, encoding='utf-8') as f:
        try:
            data = yaml.safe_load(f)
        except yaml.YAMLError as err:
            raise AnnotationError(f'{path}: not a YAML stack file: {err}') \
                from None
    if not isinstance(data, dict) or \
            not isinstance(data.get('experiments'), dict):
        raise AnnotationError(
            f'{path}: a stack needs an "experiments" mapping')
    return data


def run_stem(experiment_dir: str, sequence: str, run: int) -> str:
    """``<dir>/<seq>/<seq>_<run:03d>`` (no extension)."""
    return osp.join(experiment_dir, sequence, f'{sequence}_{run:03d}')


def anchor_stem(experiment_dir: str, sequence: str, anchor: int) -> str:
    """``<dir>/<seq>/<seq>_<anchor:08d>`` (no extension)."""
    return osp.join(experiment_dir, sequence, f'{sequence}_{anchor:08d}')


def existing_trajectory(stem: str) -> Optional[str]:
    """``stem.txt`` or else ``stem.bin`` if one exists (the toolkit reads
    the text file first), else ``None``."""
    for ext in ('.txt', '.bin'):
        if osp.isfile(stem + ext):
            return stem + ext
    return None


def read_run_values(stem: str, name: str,
                    length: int) -> List[Optional[float]]:
    """``<stem>_<name>.value``, or ``length`` ``None`` if it is absent."""
    path = f'{stem}_{name}.value'
    if not osp.isfile(path):
        return [None] * length
    values = read_values(path)
    if len(values) != length:
        raise AnnotationError(f'{path}: {len(values)} values for a '
                              f'trajectory of {length} frames')
    return values


def read_experiment_runs(experiment_dir: str, sequence: str, kind: str,
                         anchors: Sequence[int] = (),
                         values: Sequence[str] = ()) -> Dict:
    """One sequence's results of an experiment folder.

    Returns ``{'runs': [regions, ...]}`` (``kind`` ``supervised`` or
    ``unsupervised``, runs ``_001, _002, ...``) or ``{'runs': {anchor:
    regions}}`` (``multistart``), plus ``values[name]`` in the same shape
    for every requested ``.value`` property (``None`` where absent).
    """
    if kind == 'multistart':
        runs = read_anchor_runs(experiment_dir, sequence, anchors)
        stems = {a: anchor_stem(experiment_dir, sequence, a) for a in runs}
        out = {'runs': runs, 'values': {
            name: {a: read_run_values(stems[a], name, len(runs[a]))
                   for a in runs} for name in values}}
        return out
    if kind not in ('supervised', 'unsupervised'):
        raise AnnotationError(f'unknown experiment kind {kind!r}')
    runs: List[List[VOTRegion]] = read_runs(experiment_dir, sequence)
    stems = [run_stem(experiment_dir, sequence, i + 1)
             for i in range(len(runs))]
    return {'runs': runs, 'values': {
        name: [read_run_values(s, name, len(r)) for s, r in zip(stems, runs)]
        for name in values}}
