"""Server-ready submissions for GOT-10k and TrackingNet, written atomically.

* GOT-10k: ``<seq>/<seq>_001.txt`` (``x,y,w,h`` comma separated) and
  ``<seq>/<seq>_time.txt`` (seconds per frame), zipped at the zip root.
* TrackingNet: ``<seq>.txt`` (comma separated) at the zip root.

Every file goes through a temporary file and ``os.replace``, so an
interrupted run never leaves a half-written file under the final name.
"""
import os
import warnings
import zipfile
from typing import Dict, Iterable, Optional

import numpy as np

from stark_plugin.fileio.atomic import atomic_path, atomic_write_text

from .functional.sequence import InvalidPredictionWarning, format_frames

__all__ = [
    'SUBMISSION_BENCHMARKS', 'atomic_write_text', 'write_submission',
    'write_got10k_submission', 'write_trackingnet_submission'
]

SUBMISSION_BENCHMARKS = ('got10k', 'trackingnet')


def _atomic_zip(zip_path: str, members: Dict[str, str]) -> None:
    """Zip ``{arcname: file path}`` atomically to ``zip_path``."""
    with atomic_path(zip_path, suffix='.zip') as tmp:
        with zipfile.ZipFile(tmp, 'w', zipfile.ZIP_DEFLATED) as zf:
            for arcname in sorted(members):
                zf.write(members[arcname], arcname)


def _boxes_text(boxes: np.ndarray) -> str:
    return ''.join('{:.4f},{:.4f},{:.4f},{:.4f}\n'.format(*row)
                   for row in boxes)


def _clean_boxes(name: str, boxes) -> np.ndarray:
    """``(N, 4)`` float boxes; non-finite rows take the previous row."""
    boxes = np.array(boxes, dtype=np.float64, copy=True).reshape(-1, 4)
    if len(boxes) == 0:
        raise ValueError(f'video {name!r}: no predicted boxes')
    bad = ~np.isfinite(boxes).all(axis=1)
    if bad.any():
        warnings.warn(
            f'video {name!r}: non-finite predicted box at frame(s) '
            f'{format_frames(np.flatnonzero(bad))}; the submission repeats '
            'the previous box there', InvalidPredictionWarning)
        last = np.zeros(4)
        for i in range(len(boxes)):
            if bad[i]:
                boxes[i] = last
            else:
                last = boxes[i]
    return boxes


def _validate(results: Dict[str, np.ndarray],
              expected_lengths: Optional[Dict[str, int]],
              expected_sequences: Optional[Iterable[str]],
              expected_num_videos: Optional[int]) -> None:
    names = set(results)
    if expected_sequences is not None:
        expected = set(expected_sequences)
        missing, extra = sorted(expected - names), sorted(names - expected)
        if missing or extra:
            raise ValueError(f'submission sequences differ from the split: '
                             f'missing {missing[:10]}, unexpected '
                             f'{extra[:10]}')
    if expected_num_videos is not None and len(names) != expected_num_videos:
        raise ValueError(f'submission holds {len(names)} sequences, the '
                         f'split has {expected_num_videos}')
    for name, n in (expected_lengths or {}).items():
        if name in results and len(results[name]) != n:
            raise ValueError(f'video {name!r}: {len(results[name])} boxes '
                             f'but the video has {n} frames')


def write_got10k_submission(results: Dict[str, np.ndarray],
                            frame_times: Dict[str, np.ndarray],
                            out_dir: str,
                            zip_path: Optional[str] = None,
                            expected_lengths: Optional[Dict[str, int]] = None,
                            expected_sequences: Optional[Iterable[str]] = None,
                            expected_num_videos: Optional[int] = None) -> str:
    """Write a GOT-10k submission folder and zip; return the zip path."""
    boxes = {k: _clean_boxes(k, v) for k, v in results.items()}
    _validate(boxes, expected_lengths, expected_sequences, expected_num_videos)
    members = {}
    for name in sorted(boxes):
        times = frame_times.get(name)
        if times is None:
            raise ValueError(f'video {name!r}: GOT-10k submissions need the '
                             'measured per-frame times (frame_times)')
        times = np.asarray(times, dtype=np.float64).reshape(-1)
        if len(times) != len(boxes[name]):
            raise ValueError(f'video {name!r}: {len(times)} frame times for '
                             f'{len(boxes[name])} boxes')
        for suffix, text in (
                ('001', _boxes_text(boxes[name])),
                ('time', ''.join(f'{t:.8f}\n' for t in times))):
            arc = f'{name}/{name}_{suffix}.txt'
            path = os.path.join(out_dir, name, f'{name}_{suffix}.txt')
            atomic_write_text(path, text)
            members[arc] = path
    zip_path = zip_path or os.path.normpath(out_dir) + '.zip'
    _atomic_zip(zip_path, members)
    return zip_path


def write_trackingnet_submission(
        results: Dict[str, np.ndarray],
        out_dir: str,
        zip_path: Optional[str] = None,
        expected_lengths: Optional[Dict[str, int]] = None,
        expected_sequences: Optional[Iterable[str]] = None,
        expected_num_videos: Optional[int] = None) -> str:
    """Write a TrackingNet submission folder and zip; return the zip path."""
    boxes = {k: _clean_boxes(k, v) for k, v in results.items()}
    _validate(boxes, expected_lengths, expected_sequences, expected_num_videos)
    members = {}
    for name in sorted(boxes):
        path = os.path.join(out_dir, f'{name}.txt')
        atomic_write_text(path, _boxes_text(boxes[name]))
        members[f'{name}.txt'] = path
    zip_path = zip_path or os.path.normpath(out_dir) + '.zip'
    _atomic_zip(zip_path, members)
    return zip_path


def write_submission(benchmark: str,
                     results: Dict[str, np.ndarray],
                     out_dir: str,
                     frame_times: Optional[Dict[str, np.ndarray]] = None,
                     **kwargs) -> str:
    """Dispatch to the GOT-10k or TrackingNet writer."""
    benchmark = benchmark.lower()
    if benchmark == 'got10k':
        return write_got10k_submission(results, frame_times or {}, out_dir,
                                       **kwargs)
    if benchmark == 'trackingnet':
        return write_trackingnet_submission(results, out_dir, **kwargs)
    raise ValueError(f'no submission format for {benchmark!r}; expected one '
                     f'of {SUBMISSION_BENCHMARKS}')
