"""Generated videos and frame folders, readers and the demo subprocess."""
import os
import os.path as osp
import subprocess
from typing import List, Tuple

import cv2
import numpy as np
from stark_plugin.testing.tool_process import run_tool

TESTS = osp.dirname(osp.dirname(osp.abspath(__file__)))
REPO = osp.dirname(TESTS)
TINY = osp.join(TESTS, 'data', 'configs', 'stark_st_tiny.py')
H, W = 120, 160
BOX0 = [20, 40, 30, 24]  # the object in frame 0 of ``make_frames``


def make_frames(num: int = 30, speed: Tuple[int, int] = (3, 1),
                start: Tuple[int, int] = (20, 40),
                seed: int = 0) -> Tuple[List[np.ndarray], List[list]]:
    """A blurred noise background with a checkered 30x24 object moving by
    ``speed`` pixels per frame (it may leave the image)."""
    rng = np.random.default_rng(seed)
    bg = cv2.GaussianBlur(
        rng.integers(0, 120, (H, W, 3), dtype=np.uint8), (7, 7), 2)
    yy, xx = np.mgrid[:24, :30]
    obj = np.where(((yy // 6 + xx // 6) % 2)[..., None] == 0,
                   np.array([40, 200, 250], np.uint8),
                   np.array([250, 40, 30], np.uint8)).astype(np.uint8)
    frames, boxes = [], []
    for t in range(num):
        f = bg.copy()
        x, y = start[0] + speed[0] * t, start[1] + speed[1] * t
        x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + 30, W), min(y + 24, H)
        if x1 > x0 and y1 > y0:
            f[y0:y1, x0:x1] = obj[y0 - y:y1 - y, x0 - x:x1 - x]
        frames.append(f)
        boxes.append([x, y, 30, 24])
    return frames, boxes


def write_video(path: str, frames: List[np.ndarray], fps: float = 25):
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), fps,
                             (W, H))
    assert writer.isOpened()
    for f in frames:
        writer.write(f)
    writer.release()
    return path


def read_video(path: str) -> Tuple[int, Tuple[int, int], float]:
    """(frames actually decoded, (w, h), fps) of a video file."""
    cap = cv2.VideoCapture(path)
    assert cap.isOpened(), path
    n, size = 0, None
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        n += 1
        size = frame.shape[1::-1]
    fps = cap.get(cv2.CAP_PROP_FPS)
    cap.release()
    return n, size, fps


def read_txt(path: str) -> List[List[float]]:
    with open(path) as f:
        return [[float(v) for v in line.split(',')] for line in f]


def run_demo_subprocess(*args: str,
                        cwd: str = REPO) -> subprocess.CompletedProcess:
    """``python demo_sot.py ...`` headless, torch on one thread."""
    env = {k: v for k, v in os.environ.items()
           if k not in ('DISPLAY', 'WAYLAND_DISPLAY')}
    env['OMP_NUM_THREADS'] = '1'
    env['PYTHONPATH'] = REPO + os.pathsep + env.get('PYTHONPATH', '')
    return run_tool([osp.join(REPO, 'demo_sot.py'), *map(str, args)],
                    cwd=cwd, env=env, timeout=600)
