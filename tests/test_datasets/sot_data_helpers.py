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
