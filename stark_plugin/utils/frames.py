"""Reading frames from disk with errors that name the file."""
import os.path as osp

import cv2
import numpy as np


def read_frame(path: str) -> np.ndarray:
    """Read an image file as a BGR uint8 ``(H, W, 3)`` array."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'frame not found: {path}')
    frame = cv2.imread(path, cv2.IMREAD_COLOR)
    if frame is None:
        raise ValueError(f'cannot decode frame (corrupt or not an image): '
                         f'{path}')
    return frame
