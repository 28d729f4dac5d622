"""OpenCV windows: whether one can open, and picking targets with the
mouse (the demo without ``--bbox``)."""
import os
from typing import List

import cv2
import numpy as np

from ..errors import InputError

__all__ = ['has_display', 'select_boxes', 'ROI_HELP']


def has_display() -> bool:
    """Whether an OpenCV window can be opened (X11/Wayland on Linux)."""
    if os.environ.get('QT_QPA_PLATFORM', '') == 'offscreen':
        return False
    if os.name == 'nt' or os.uname().sysname == 'Darwin':
        return True
    return bool(os.environ.get('DISPLAY') or
                os.environ.get('WAYLAND_DISPLAY'))


ROI_HELP = ('Select the target(s): drag a box with the mouse, press SPACE '
            'or ENTER to accept it (then draw the next one), press ESC when '
            'done; c cancels the box being drawn.')


def select_boxes(frame: np.ndarray,
                 window: str = 'select target(s)') -> List[List[float]]:
    """Interactive ROI selection (``cv2.selectROIs``) on ``frame``."""
    print(ROI_HELP, flush=True)
    try:
        rois = cv2.selectROIs(window, frame, showCrosshair=True)
    finally:
        cv2.destroyWindow(window)
    boxes = [[float(v) for v in r] for r in np.asarray(rois).reshape(-1, 4)]
    boxes = [b for b in boxes if b[2] > 0 and b[3] > 0]
    if not boxes:
        raise InputError('no box selected')
    return boxes
