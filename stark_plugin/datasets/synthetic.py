"""Synthetic tracking sequences in the GOT-10k layout.

Each video shows a textured target that moves, scales and changes aspect
over a textured, slowly panning background, with textured distractors, a
moving occluder that partly covers the target, and (in some videos) a few
frames where the target is absent. Everything is drawn with numpy/cv2 and
is a deterministic function of the seed.

Layout written (as the GOT-10k download)::

    OUT/{train,val}/list.txt
    OUT/{train,val}/<seq>/00000001.jpg ...
    OUT/{train,val}/<seq>/{groundtruth.txt,absence.label,cover.label,
                           cut_by_image.label,meta_info.ini}

Absent frames have ``absence=1``, ``cover=0`` and the ground-truth row
``-1,-1,-1,-1``; ``cover`` is the visible fraction of the target in eighths
(0 hidden .. 8 fully visible), as GOT-10k defines it.
"""
import os
import os.path as osp
from typing import Callable, List, Optional, Tuple

import cv2
import numpy as np

from stark_plugin.utils.io import atomic_write_text


def _texture(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """A random BGR texture: blobs, stripes or checks in a random palette."""
    palette = rng.integers(0, 256, size=(3, 3)).astype(np.float32)
    kind = rng.integers(3)
    if kind == 0:
        low = rng.random((max(2, h // 8), max(2, w // 8), 1))
        field = cv2.resize(low.astype(np.float32), (w, h),
                           interpolation=cv2.INTER_CUBIC)[..., None]
    else:
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        period = rng.uniform(4, 12)
        angle = rng.uniform(0, np.pi)
        u = (xx * np.cos(angle) + yy * np.sin(angle)) / period
        if kind == 1:
            field = (0.5 + 0.5 * np.sin(2 * np.pi * u))[..., None]
        else:
            v = (-xx * np.sin(angle) + yy * np.cos(angle)) / period
            field = ((np.floor(u) + np.floor(v)) % 2)[..., None]
    field = np.clip(field, 0, 1)
    img = palette[0] * (1 - field) + palette[1] * field
    img += rng.normal(0, 8, size=(h, w, 3))
    return np.clip(img, 0, 255).astype(np.uint8)


def _object_texture(rng: np.random.Generator, size: int = 48) -> np.ndarray:
    """An object: a texture with a contrasting border and a centre mark."""
    tex = _texture(rng, size, size)
    colour = tuple(int(c) for c in rng.integers(0, 256, 3))
    cv2.rectangle(tex, (0, 0), (size - 1, size - 1), colour, 3)
    cv2.circle(tex, (size // 2, size // 2), size // 6,
               tuple(255 - c for c in colour), -1)
    return tex


class _Mover:
    """Smooth random motion of a box (centre, scale, aspect)."""

    def __init__(self, rng, img_w, img_h, base, speed):
        self.rng = rng
        self.w, self.h = img_w, img_h
        self.base = base
        self.c = np.array([rng.uniform(0.25, 0.75) * img_w,
                           rng.uniform(0.25, 0.75) * img_h])
        self.v = rng.normal(0, speed, 2)
        self.speed = speed
        self.log_s = 0.0
        self.log_a = rng.normal(0, 0.3)

    def step(self) -> np.ndarray:
        rng = self.rng
        self.v = 0.85 * self.v + rng.normal(0, self.speed * 0.5, 2)
        self.c += self.v
        for k, lim in ((0, self.w), (1, self.h)):
            if not 0.1 * lim < self.c[k] < 0.9 * lim:
                self.v[k] = -self.v[k]
                self.c[k] = np.clip(self.c[k], 0.1 * lim, 0.9 * lim)
        self.log_s = np.clip(0.95 * self.log_s + rng.normal(0, 0.05),
                             -0.6, 0.6)
        self.log_a = np.clip(0.97 * self.log_a + rng.normal(0, 0.04),
                             -0.7, 0.7)
        s, a = np.exp(self.log_s), np.exp(self.log_a)
        bw = max(4.0, self.base * s * np.sqrt(a))
        bh = max(4.0, self.base * s / np.sqrt(a))
        return np.array([self.c[0] - bw / 2, self.c[1] - bh / 2, bw, bh])


def _paste(frame: np.ndarray, tex: np.ndarray, box: np.ndarray,
           mask: Optional[np.ndarray] = None) -> None:
    """Draw ``tex`` resized into ``box`` (xywh), clipped to the frame;
    mark the covered pixels in ``mask``."""
    x1, y1 = int(round(box[0])), int(round(box[1]))
    w, h = max(1, int(round(box[2]))), max(1, int(round(box[3])))
    H, W = frame.shape[:2]
    ax1, ay1 = max(x1, 0), max(y1, 0)
    ax2, ay2 = min(x1 + w, W), min(y1 + h, H)
    if ax2 <= ax1 or ay2 <= ay1:
        return
    patch = cv2.resize(tex, (w, h), interpolation=cv2.INTER_LINEAR)
    frame[ay1:ay2, ax1:ax2] = patch[ay1 - y1:ay2 - y1, ax1 - x1:ax2 - x1]
    if mask is not None:
        mask[ay1:ay2, ax1:ax2] = True


def render_video(rng: np.random.Generator, num_frames: int,
                 size: Tuple[int, int] = (320, 240),
                 with_absence: bool = True):
    """Frames and labels of one synthetic video.

    Returns ``(frames, boxes, absence, cover, cut_by_image)``; ``boxes``
    are float xywh with ``-1`` rows on absent frames.
    """
    W, H = size
    margin = 40
    background = _texture(rng, H + 2 * margin, W + 2 * margin)
    for _ in range(6):  # a few shapes for extra background structure
        p1 = tuple(int(v) for v in rng.integers(0, [W + 80, H + 80]))
        p2 = tuple(int(v) for v in rng.integers(0, [W + 80, H + 80]))
        cv2.line(background, p1, p2,
                 tuple(int(c) for c in rng.integers(0, 256, 3)), 2)
    pan = rng.normal(0, 0.7, 2)
    target_tex = _object_texture(rng)
    base = min(W, H) * rng.uniform(0.15, 0.3)
    target = _Mover(rng, W, H, base, speed=rng.uniform(1.5, 4))
    distractors = [(_object_texture(rng) if rng.random() < 0.6 else
                    np.clip(target_tex.astype(int) +
                            rng.integers(-40, 40, 3), 0, 255).astype(
                                np.uint8),
                    _Mover(rng, W, H, base * rng.uniform(0.6, 1.2),
                           speed=rng.uniform(1, 4)))
                   for _ in range(int(rng.integers(1, 4)))]
    occluder_tex = _texture(rng, 32, 32)
    occ_period = int(rng.integers(15, 30))
    absent = np.zeros(num_frames, dtype=bool)
    if with_absence and num_frames >= 10:
        start = int(rng.integers(num_frames // 3, num_frames - 3))
        absent[start:start + int(rng.integers(1, 4))] = True

    frames, boxes, cover, cut = [], [], [], []
    offset = np.array([margin, margin], dtype=np.float64)
    for t in range(num_frames):
        offset = np.clip(offset + pan, 0, 2 * margin)
        ox, oy = int(offset[0]), int(offset[1])
        frame = background[oy:oy + H, ox:ox + W].copy()
        box = target.step()
        drawn = []
        for tex, mover in distractors:
            dbox = mover.step()
            drawn.append((tex, dbox))
        for tex, dbox in drawn[:len(drawn) // 2 + 1]:
            _paste(frame, tex, dbox)  # behind the target
        target_mask = np.zeros((H, W), dtype=bool)
        if not absent[t]:
            _paste(frame, target_tex, box, target_mask)
        for tex, dbox in drawn[len(drawn) // 2 + 1:]:
            _paste(frame, tex, dbox, None)  # may cover the target
            x1, y1 = max(int(round(dbox[0])), 0), max(int(round(dbox[1])), 0)
            x2 = min(int(round(dbox[0] + dbox[2])), W)
            y2 = min(int(round(dbox[1] + dbox[3])), H)
            target_mask[y1:max(y1, y2), x1:max(x1, x2)] = False
        # an occluding bar sweeping across the target now and then
        phase = (t % occ_period) / occ_period
        if not absent[t] and 0.3 < phase < 0.7:
            bar_w = box[2] * 0.5
            bx = box[0] - bar_w + (box[2] + bar_w) * (phase - 0.3) / 0.4
            bar = np.array([bx, box[1] - 10, bar_w, box[3] + 20])
            _paste(frame, occluder_tex, bar)
            x1, x2 = max(int(round(bar[0])), 0), min(int(round(bar[0] +
                                                                bar[2])), W)
            if x2 > x1:
                target_mask[:, x1:x2] = False
        area = box[2] * box[3]
        frac = 0.0 if absent[t] else float(target_mask.sum()) / area
        frames.append(frame)
        if absent[t]:
            boxes.append(np.array([-1.0, -1.0, -1.0, -1.0]))
            cover.append(0)
            cut.append(0)
        else:
            boxes.append(box)
            c = int(np.clip(np.ceil(min(frac, 1.0) * 8), 0, 8))
            cover.append(c)
            cut.append(int(box[0] < 0 or box[1] < 0 or box[0] + box[2] > W
                           or box[1] + box[3] > H))
    return (frames, np.stack(boxes), absent.astype(int), np.array(cover),
            np.array(cut))


def _write_lines(path: str, lines: List[str]) -> None:
    atomic_write_text(path, '\n'.join(lines) + '\n')


def write_sequence(seq_dir: str, rng: np.random.Generator, num_frames: int,
                   size: Tuple[int, int], with_absence: bool = True,
                   jpeg_quality: int = 90) -> None:
    """Render one video and write it in the GOT-10k sequence layout."""
    os.makedirs(seq_dir, exist_ok=True)
    frames, boxes, absence, cover, cut = render_video(
        rng, num_frames, size, with_absence)
    for i, frame in enumerate(frames):
        cv2.imwrite(osp.join(seq_dir, f'{i + 1:08d}.jpg'), frame,
                    [cv2.IMWRITE_JPEG_QUALITY, jpeg_quality])
    _write_lines(osp.join(seq_dir, 'groundtruth.txt'),
                 [','.join(f'{v:.4f}' for v in b) for b in boxes])
    _write_lines(osp.join(seq_dir, 'absence.label'), [str(v) for v in absence])
    _write_lines(osp.join(seq_dir, 'cover.label'), [str(v) for v in cover])
    _write_lines(osp.join(seq_dir, 'cut_by_image.label'),
                 [str(v) for v in cut])
    _write_lines(osp.join(seq_dir, 'meta_info.ini'), [
        '[METAINFO]', 'url: synthetic', 'begin: 00:00:00', 'end: 00:00:00',
        'anno_fps: 10Hz', 'object_class: synthetic object',
        'motion_class: moving', 'major_class: synthetic',
        'root_class: object', 'motion_adverb: smoothly',
        f'resolution: ({size[0]}, {size[1]})'
    ])


def make_synthetic_got10k(out_dir: str, num_videos: int, num_frames: int,
                          seed: int = 0, num_val_videos: int = 2,
                          size: Tuple[int, int] = (320, 240),
                          progress: Optional[Callable[[str], None]] = None,
                          num_val_frames: Optional[int] = None) -> dict:
    """Write ``num_videos`` train and ``num_val_videos`` val sequences.

    Train videos have ``num_frames`` frames, val videos ``num_val_frames``
    (default: ``num_frames``). Video ``i`` of a split depends only on
    ``(seed, split, i)`` (and its length). Returns
    ``{'train': [names], 'val': [names]}``.
    """
    if num_val_frames is None:
        num_val_frames = num_frames
    for name, value in (('frames', num_frames),
                        ('val frames', num_val_frames)):
        if value < 2:
            raise ValueError(f'{name} must be at least 2, got {value}')
    written = {}
    for split, count, length, prefix, split_id in (
            ('train', num_videos, num_frames, 'GOT-10k_Train', 0),
            ('val', num_val_videos, num_val_frames, 'GOT-10k_Val', 1)):
        split_dir = osp.join(out_dir, split)
        os.makedirs(split_dir, exist_ok=True)
        names = [f'{prefix}_{i + 1:06d}' for i in range(count)]
        for i, name in enumerate(names):
            rng = np.random.default_rng([seed, split_id, i])
            write_sequence(osp.join(split_dir, name), rng, length, size,
                           with_absence=(i % 2 == 0))
            if progress is not None:
                progress(f'{split} {i + 1}/{count} {name}')
        _write_lines(osp.join(split_dir, 'list.txt'), names)
        written[split] = names
    return written
