"""Tracker result files: the one writer and the one reader of each layout.

* raw results (``tools/test.py``, pytracking / STARK style):
  ``<dir>/<video>.txt`` (``x,y,w,h`` a line) and ``<video>_time.txt``
  (seconds a frame);
* GOT-10k submission style: ``<dir>/<video>/<video>_001.txt`` and
  ``<video>_time.txt``;
* the demo's track file: ``frame,target,x,y,w,h,score`` lines.

Raw results written here are read back by the same reader that offline
evaluation uses, so a file the test loop wrote always evaluates.
"""
import glob
import logging
import os
import os.path as osp
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
from mmengine.logging import print_log

from .annotations import read_boxes, read_times
from .atomic import AtomicOutput, atomic_write_text

__all__ = [
    'format_boxes', 'write_boxes', 'write_raw_result', 'read_raw_result',
    'TrackerResult', 'find_result_file', 'list_result_sequences',
    'load_tracker_results', 'TxtOutput'
]


def format_boxes(boxes: np.ndarray, decimals: int = 4) -> str:
    """``x,y,w,h`` rows, comma separated, ``decimals`` after the point."""
    return ''.join(','.join(f'{v:.{decimals}f}' for v in row) + '\n'
                   for row in np.asarray(boxes, dtype=np.float64))


def write_boxes(path: str, boxes: np.ndarray, decimals: int = 4) -> None:
    """Write a box file atomically."""
    atomic_write_text(path, format_boxes(boxes, decimals))


def write_raw_result(box_path: str, time_path: str, boxes: np.ndarray,
                     times: np.ndarray) -> None:
    """Write boxes (``x,y,w,h`` a line) and per-frame seconds.

    The time file is written first and the box file last, so a box file
    present means the video is complete.
    """
    atomic_write_text(time_path,
                      ''.join(f'{t:.6f}\n' for t in np.asarray(times)))
    write_boxes(box_path, boxes)


def read_raw_result(box_path: str, time_path: str,
                    num_frames: int) -> Optional[dict]:
    """Read a raw result; ``None`` when missing or not ``num_frames`` long
    (a malformed file raises, naming file and line)."""
    if not (osp.isfile(box_path) and osp.isfile(time_path)):
        return None
    boxes = read_boxes(box_path)
    times = read_times(time_path)
    if boxes.shape != (num_frames, 4) or times.shape != (num_frames, ):
        return None
    return dict(pred_bboxes=boxes, frame_times=times)


@dataclass
class TrackerResult:
    """Raw boxes (and per-frame times, if found) of one tracker on a video."""
    pred_bboxes: np.ndarray
    frame_times: Optional[np.ndarray] = None
    path: str = ''


def _require_dir(path: str, what: str) -> None:
    if not os.path.isdir(path):
        raise FileNotFoundError(f'{what} not found: {path}')


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
        boxes = read_boxes(path)
        times = read_times(time_path) if time_path else None
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


class TxtOutput(AtomicOutput):
    """``frame,target,x,y,w,h,score`` lines, one per frame and target."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.file = open(self.tmp_path, 'w')

    def write(self, result: Dict[str, Any]) -> None:
        for t, (box, score) in enumerate(
                zip(result['boxes'], result['scores'])):
            self.file.write(f'{result["frame_index"]},{t},' +
                            ','.join(f'{v:.2f}' for v in box) +
                            f',{score:.4f}\n')

    def _close(self) -> None:
        if not self.file.closed:
            self.file.close()
