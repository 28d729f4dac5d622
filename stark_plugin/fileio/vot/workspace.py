"""The files of a vot-toolkit workspace besides the sequences.

* results: ``results/<tracker>/<experiment>/<seq>/<seq>_<run:03d>.txt|.bin``
  (supervised, unsupervised) or ``<seq>_<anchor:08d>.txt|.bin``
  (multistart), with their ``.value`` files beside them
  (:mod:`.values`); the toolkit reads the text file when both exist.
* stack ``*.yaml``: read as data (``yaml.safe_load``), never executed.
* ``trackers.ini``: one section a tracker, read by the toolkit with
  ``%``-interpolation.
* ``config.yaml``: ``registry`` (tracker files), ``stack``, ``sequences``.
"""
import configparser
import os
import os.path as osp
import re
from typing import Dict, Iterable, List, Mapping, Optional, Sequence

import yaml

from ...errors import AnnotationError
from ..atomic import atomic_path, atomic_write_text
from .regions import VOTRegion, read_trajectory
from .values import read_values

__all__ = [
    'run_stem', 'anchor_stem', 'trajectory_path', 'existing_trajectory',
    'read_runs', 'read_anchor_runs', 'read_run_values',
    'read_experiment_runs', 'read_stack', 'write_tracker_entry',
    'read_workspace_config', 'write_workspace_config'
]


def run_stem(experiment_dir: str, sequence: str, run: int) -> str:
    """``<dir>/<seq>/<seq>_<run:03d>`` (no extension)."""
    return osp.join(experiment_dir, sequence, f'{sequence}_{run:03d}')


def anchor_stem(experiment_dir: str, sequence: str, anchor: int) -> str:
    """``<dir>/<seq>/<seq>_<anchor:08d>`` (no extension)."""
    return osp.join(experiment_dir, sequence, f'{sequence}_{anchor:08d}')


def trajectory_path(experiment_dir: str, sequence: str,
                    run: Optional[int] = None, anchor: Optional[int] = None,
                    binary: bool = False) -> str:
    """The run's (supervised, unsupervised) or the anchor's (multistart)
    trajectory file, ``.txt`` or ``.bin``."""
    if (run is None) == (anchor is None):
        raise AnnotationError('give exactly one of run and anchor')
    stem = run_stem(experiment_dir, sequence, run) if anchor is None else \
        anchor_stem(experiment_dir, sequence, anchor)
    return stem + ('.bin' if binary else '.txt')


def existing_trajectory(stem: str) -> Optional[str]:
    """``stem.txt`` or else ``stem.bin`` if one exists (the toolkit reads
    the text file first), else ``None``."""
    for ext in ('.txt', '.bin'):
        if osp.isfile(stem + ext):
            return stem + ext
    return None


def read_runs(experiment_dir: str, sequence: str) -> List[List[VOTRegion]]:
    """All runs ``<seq>_001``, ``<seq>_002``, ... of a sequence, in order."""
    folder = osp.join(experiment_dir, sequence)
    pattern = re.compile(re.escape(sequence) + r'_(\d{3})\.(txt|bin)$')
    runs = sorted({int(m.group(1)) for f in
                   (os.listdir(folder) if osp.isdir(folder) else [])
                   for m in [pattern.match(f)] if m})
    if not runs:
        raise FileNotFoundError(f'{folder}: no {sequence}_NNN.txt/.bin runs')
    return [read_trajectory(existing_trajectory(
        run_stem(experiment_dir, sequence, r))) for r in runs]


def read_anchor_runs(experiment_dir: str, sequence: str,
                     anchors: Iterable[int]) -> Dict[int, List[VOTRegion]]:
    """The multistart trajectory ``<seq>_<anchor:08d>`` of every anchor."""
    out = {}
    for anchor in anchors:
        stem = anchor_stem(experiment_dir, sequence, anchor)
        path = existing_trajectory(stem)
        if path is None:
            raise FileNotFoundError(f'{stem}.txt: no trajectory for anchor '
                                    f'{anchor}')
        out[int(anchor)] = read_trajectory(path)
    return out


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


def write_tracker_entry(path: str, name: str,
                        entry: Mapping[str, str]) -> None:
    """Add (or replace) section ``name`` of ``trackers.ini``, keeping the
    other trackers; ``%`` is escaped, as the toolkit reads the file with
    ``%``-interpolation. ``label`` is the tracker name."""
    ini = configparser.ConfigParser(interpolation=None)
    ini.optionxform = str  # keep keys as written
    if osp.isfile(path):
        ini.read(path, encoding='utf-8')
    ini[name] = {'label': name, **{k: v.replace('%', '%%')
                                   for k, v in entry.items()}}
    with atomic_path(path, suffix='.ini') as tmp:
        with open(tmp, 'w', encoding='utf-8') as f:
            ini.write(f)


def read_workspace_config(path: str) -> dict:
    """A workspace's ``config.yaml`` as plain data (empty file: ``{}``)."""
    with open(path, encoding='utf-8') as f:
        try:
            data = yaml.safe_load(f) or {}
        except yaml.YAMLError as err:
            raise AnnotationError(f'{path}: not a YAML file: {err}') \
                from None
    if not isinstance(data, dict):
        raise AnnotationError(f'{path}: expected a mapping (registry, '
                              'stack, sequences)')
    return data


def write_workspace_config(path: str, config: Mapping) -> None:
    """``config.yaml`` with the keys in the given order, atomically."""
    atomic_write_text(path, yaml.safe_dump(dict(config), sort_keys=False))
