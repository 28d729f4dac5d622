"""Small writers for hand-made dataset layouts in tests."""
import os
import os.path as osp

import cv2
import numpy as np


def write_text(path: str, lines) -> str:
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    return path


def write_images(folder: str, names, size=(64, 48), seed=0) -> None:
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(seed)
    for name in names:
        img = rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
        cv2.imwrite(osp.join(folder, name), img)


def box_lines(n, sep=',', start=(10, 10, 20, 30)):
    x, y, w, h = start
    return [sep.join(str(v) for v in (x + i, y, w, h)) for i in range(n)]


def video_record(visible, is_video=True, img_dir='/x', **extra) -> dict:
    """A training video record as the datasets hand it to the frame
    samplers: box ``x`` moves one pixel per frame."""
    n = len(visible)
    boxes = np.tile([10., 10., 20., 20.], (n, 1))
    boxes[:, 0] += np.arange(n)
    return dict(video_name='v', img_dir=img_dir, img_fmt='{:08d}.jpg',
                frame_start=1, num_frames=n, gt_bboxes=boxes,
                visible=np.asarray(visible, bool),
                is_video_dataset=is_video, dataset_name='d', **extra)
