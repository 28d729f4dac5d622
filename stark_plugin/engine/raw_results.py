"""Raw per-video tracking results: ``<video>.txt`` + ``<video>_time.txt``."""
import os.path as osp
from typing import Optional

import numpy as np

from ..utils.io import atomic_write_text


def write_raw_result(box_path: str, time_path: str, boxes: np.ndarray,
                     times: np.ndarray) -> None:
    """Write boxes (``x,y,w,h`` per line) and per-frame seconds.

    The time file is written first and the box file last, so a box file
    present means the video is complete.
    """
    atomic_write_text(time_path,
                      ''.join(f'{t:.6f}\n' for t in np.asarray(times)))
    atomic_write_text(
        box_path, ''.join(','.join(f'{v:.4f}' for v in box) + '\n'
                          for box in np.asarray(boxes)))


def read_raw_result(box_path: str, time_path: str,
                    num_frames: int) -> Optional[dict]:
    """Read a raw result; ``None`` when missing or not ``num_frames`` long."""
    if not (osp.isfile(box_path) and osp.isfile(time_path)):
        return None
    boxes = np.loadtxt(box_path, delimiter=',', ndmin=2, dtype=np.float64)
    times = np.loadtxt(time_path, ndmin=1, dtype=np.float64)
    if boxes.shape != (num_frames, 4) or times.shape != (num_frames, ):
        return None
    return dict(pred_bboxes=boxes, frame_times=times)
