"""Frame folders and frame files: one listing rule and one reader."""
import os
import os.path as osp
import re
from typing import List, Sequence

import cv2
import numpy as np

__all__ = ['IMAGE_EXTENSIONS', 'natural_key', 'list_frames', 'read_frame',
           'check_files_exist']

#: file extensions taken as frames (compared in lower case)
IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif',
                    '.tiff')


def natural_key(name: str) -> list:
    """Sort key with digit runs compared as numbers (``2.jpg < 10.jpg``);
    ties broken by the exact name."""
    parts = [(0, int(p), '') if p.isdigit() else (1, 0, p.lower())
             for p in re.split(r'(\d+)', name) if p]
    return [parts, name]


def list_frames(folder: str) -> List[str]:
    """Image file names of ``folder`` in natural order (hidden files and
    other extensions skipped).

    Raises:
        FileNotFoundError: the folder does not exist.
    """
    if not osp.isdir(folder):
        raise FileNotFoundError(f'frame folder not found: {folder}')
    names = [
        n for n in os.listdir(folder)
        if n.lower().endswith(IMAGE_EXTENSIONS) and not n.startswith('.')
        and osp.isfile(osp.join(folder, n))
    ]
    return sorted(names, key=natural_key)


def read_frame(path: str) -> np.ndarray:
    """Read an image file as a BGR uint8 ``(H, W, 3)`` array.

    Raises:
        FileNotFoundError: no such file.
        ValueError: the file cannot be decoded (corrupt or not an image).
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'frame not found: {path}')
    frame = cv2.imread(path, cv2.IMREAD_COLOR)
    if frame is None:
        raise ValueError(f'cannot decode frame (corrupt or not an image): '
                         f'{path}')
    return frame


def check_files_exist(paths: Sequence[str], what: str = 'image') -> None:
    """Raise ``FileNotFoundError`` naming the first missing file."""
    for i, p in enumerate(paths):
        if not osp.isfile(p):
            raise FileNotFoundError(f'{what} not found: {p} (frame {i})')
