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

``style='rich'`` adds what real videos have and the basic style lacks:
the target leaves the frame and comes back (boxes clipped to the image,
absent while fully outside), dashes with motion blur along its motion,
larger scale and aspect changes, and always at least one look-alike
distractor. ``style='basic'`` (the default) is unchanged.
``style='lissajous'`` (the speed benchmark's sequence) is one textured
object on a Lissajous path over a still background, crossing the image
border (padded crops), with its whole box as ground truth.
"""
import os
import os.path as osp
from typing import Callable, List, NamedTuple, Optional, Tuple

import cv2
import numpy as np

from stark_plugin.fileio.atomic import atomic_write_text

#: generator styles (see the module docstring).
STYLES = ('basic', 'rich', 'lissajous')


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

    def __init__(self, rng, img_w, img_h, base, speed, rich=False):
        self.rng = rng
        self.w, self.h = img_w, img_h
        self.base = base
        self.c = np.array([rng.uniform(0.25, 0.75) * img_w,
                           rng.uniform(0.25, 0.75) * img_h])
        self.v = rng.normal(0, speed, 2)
        self.speed = speed
        self.log_s = 0.0
        self.log_a = rng.normal(0, 0.3)
        self.rich = rich
        self.scale_lim = 1.0 if rich else 0.6
        self.exit_axis: Optional[int] = None  # axis of a trip out of frame
        self.exit_frames = 0
        self.dash_frames = 0

    def _rich_motion(self) -> None:
        """Start / steer trips out of the frame and fast dashes."""
        rng = self.rng
        if self.exit_axis is None and rng.random() < 0.03:
            k = int(rng.integers(2))
            lim = (self.w, self.h)[k]
            side = 1.0 if self.c[k] > lim / 2 else -1.0
            self.exit_axis, self.exit_frames = k, int(rng.integers(10, 25))
            self.v[k] = side * max(abs(self.v[k]), 2.5 * self.speed)
        if self.exit_axis is not None:
            k = self.exit_axis
            lim = (self.w, self.h)[k]
            self.exit_frames -= 1
            if self.exit_frames <= 0:  # come back, and keep coming
                self.v[k] = -np.sign(self.c[k] - lim / 2) * max(
                    abs(self.v[k]), 2.0 * self.speed)
            if self.exit_frames < 0 and 0.15 * lim < self.c[k] < 0.85 * lim:
                self.exit_axis = None
        if self.dash_frames == 0 and rng.random() < 0.04:
            self.dash_frames = int(rng.integers(3, 8))
            self.v = self.v + rng.normal(0, 4 * self.speed, 2)
        elif self.dash_frames > 0:
            self.dash_frames -= 1
            if self.dash_frames == 0:
                self.v = self.v * 0.3

    def step(self) -> np.ndarray:
        rng = self.rng
        self.v = 0.85 * self.v + rng.normal(0, self.speed * 0.5, 2)
        if self.rich:
            self._rich_motion()
            if self.dash_frames > 0:  # keep the dash speed up
                self.v = self.v / 0.85
        self.c += self.v
        for k, lim in ((0, self.w), (1, self.h)):
            if k == self.exit_axis:
                # out of the frame and back; never farther than one side
                self.c[k] = np.clip(self.c[k], -0.5 * lim, 1.5 * lim)
                continue
            if not 0.1 * lim < self.c[k] < 0.9 * lim:
                self.v[k] = -self.v[k]
                self.c[k] = np.clip(self.c[k], 0.1 * lim, 0.9 * lim)
        self.log_s = np.clip(0.95 * self.log_s + rng.normal(0, 0.05),
                             -self.scale_lim, self.scale_lim)
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


def _motion_blur(frame: np.ndarray, box: np.ndarray,
                 velocity: np.ndarray) -> None:
    """Blur the region around ``box`` along ``velocity`` (px per frame)."""
    length = int(min(np.hypot(*velocity) * 0.8, 15))
    if length < 3:
        return
    kernel = np.zeros((length, length), np.float32)
    c = (length - 1) / 2
    d = velocity / np.hypot(*velocity)
    p1 = (int(round(c - d[0] * c)), int(round(c - d[1] * c)))
    p2 = (int(round(c + d[0] * c)), int(round(c + d[1] * c)))
    cv2.line(kernel, p1, p2, 1.0, 1)
    kernel /= kernel.sum()
    H, W = frame.shape[:2]
    x1 = max(int(box[0]) - length, 0)
    y1 = max(int(box[1]) - length, 0)
    x2 = min(int(box[0] + box[2]) + length + 1, W)
    y2 = min(int(box[1] + box[3]) + length + 1, H)
    if x2 - x1 > 1 and y2 - y1 > 1:
        frame[y1:y2, x1:x2] = cv2.filter2D(frame[y1:y2, x1:x2], -1, kernel)


def _clip_to_image(box: np.ndarray, W: int, H: int) -> np.ndarray:
    """The part of an xywh box inside the image (w or h may be <= 0)."""
    x1, y1 = max(box[0], 0.0), max(box[1], 0.0)
    x2, y2 = min(box[0] + box[2], W), min(box[1] + box[3], H)
    return np.array([x1, y1, x2 - x1, y2 - y1])


def _render_lissajous(rng: np.random.Generator, num_frames: int, W: int,
                      H: int):
    """The 'lissajous' style: one object (an eighth of the image side) on a
    Lissajous path that reaches the border; never absent; ``boxes`` are the
    whole object, partly outside the image near the border."""
    bg = rng.integers(0, 256, (H // 4, W // 4, 3), dtype=np.uint8)
    bg = cv2.resize(bg, (W, H), interpolation=cv2.INTER_LINEAR)
    obj_h, obj_w = H // 8, W // 8
    obj = rng.integers(0, 256, (obj_h // 3, obj_w // 3, 3), dtype=np.uint8)
    obj = cv2.resize(obj, (obj_w, obj_h), interpolation=cv2.INTER_NEAREST)
    cv2.rectangle(obj, (0, 0), (obj_w - 1, obj_h - 1), (255, 255, 255), 2)
    frames, boxes, cover, cut = [], [], [], []
    for t in range(num_frames):
        phase = 2 * np.pi * t / max(num_frames, 30)
        cx = W / 2 + (W / 2 - obj_w / 4) * np.sin(phase)
        cy = H / 2 + (H / 4) * np.sin(2 * phase + 0.5)
        box = np.array([round(cx - obj_w / 2), round(cy - obj_h / 2), obj_w,
                        obj_h], dtype=np.float64)
        frame = bg.copy()
        _paste(frame, obj, box)
        seen = _clip_to_image(box, W, H)
        frac = max(seen[2], 0) * max(seen[3], 0) / (obj_w * obj_h)
        frames.append(frame)
        boxes.append(box)
        cover.append(int(np.ceil(frac * 8)))
        cut.append(int(frac < 1))
    return (frames, np.stack(boxes), np.zeros(num_frames, dtype=int),
            np.array(cover), np.array(cut))


class _Scene(NamedTuple):
    """What one basic / rich video is made of (drawn once, then animated)."""
    background: np.ndarray
    pan: np.ndarray
    target_tex: np.ndarray
    target: '_Mover'
    distractors: list
    occluder_tex: np.ndarray
    occ_period: int
    absent: np.ndarray


def _draw_scene(rng: np.random.Generator, num_frames: int, W: int, H: int,
                margin: int, rich: bool, with_absence: bool) -> _Scene:
    """The background, the target, its distractors and the occluder, in
    the random draw order every seed's video depends on."""
    background = _texture(rng, H + 2 * margin, W + 2 * margin)
    for _ in range(6):  # a few shapes for extra background structure
        p1 = tuple(int(v) for v in rng.integers(0, [W + 80, H + 80]))
        p2 = tuple(int(v) for v in rng.integers(0, [W + 80, H + 80]))
        cv2.line(background, p1, p2,
                 tuple(int(c) for c in rng.integers(0, 256, 3)), 2)
    pan = rng.normal(0, 0.7, 2)
    target_tex = _object_texture(rng)
    base = min(W, H) * rng.uniform(0.15, 0.3)
    target = _Mover(rng, W, H, base, speed=rng.uniform(1.5, 4), rich=rich)
    look_alikes = []
    if rich:  # one distractor always looks like the target
        look_alikes = [(np.clip(target_tex.astype(int) +
                                rng.integers(-25, 25, 3), 0,
                                255).astype(np.uint8),
                        _Mover(rng, W, H, base * rng.uniform(0.8, 1.1),
                               speed=rng.uniform(1.5, 4)))]
    distractors = look_alikes + [
        (_object_texture(rng) if rng.random() < 0.6 else
         np.clip(target_tex.astype(int) + rng.integers(-40, 40, 3), 0,
                 255).astype(np.uint8),
         _Mover(rng, W, H, base * rng.uniform(0.6, 1.2),
                speed=rng.uniform(1, 4)))
        for _ in range(int(rng.integers(1, 4)))]
    occluder_tex = _texture(rng, 32, 32)
    occ_period = int(rng.integers(15, 30))
    absent = np.zeros(num_frames, dtype=bool)
    if with_absence and num_frames >= 10:
        start = int(rng.integers(num_frames // 3, num_frames - 3))
        absent[start:start + int(rng.integers(1, 4))] = True
    return _Scene(background, pan, target_tex, target, distractors,
                  occluder_tex, occ_period, absent)


def _sweep_occluder(frame: np.ndarray, scene: _Scene, box: np.ndarray,
                    t: int, target_mask: np.ndarray) -> None:
    """An occluding bar sweeping across the target now and then."""
    phase = (t % scene.occ_period) / scene.occ_period
    if scene.absent[t] or not 0.3 < phase < 0.7:
        return
    W = frame.shape[1]
    bar_w = box[2] * 0.5
    bx = box[0] - bar_w + (box[2] + bar_w) * (phase - 0.3) / 0.4
    bar = np.array([bx, box[1] - 10, bar_w, box[3] + 20])
    _paste(frame, scene.occluder_tex, bar)
    x1 = max(int(round(bar[0])), 0)
    x2 = min(int(round(bar[0] + bar[2])), W)
    if x2 > x1:
        target_mask[:, x1:x2] = False


def _render_frame(scene: _Scene, t: int, offset: np.ndarray, W: int, H: int,
                  rich: bool) -> Tuple[np.ndarray, np.ndarray, np.ndarray,
                                       np.ndarray]:
    """Frame ``t``: the image, the annotated box, the drawn box and the
    target's visible pixels (``absent[t]`` is set when a rich target has
    left the frame)."""
    absent = scene.absent
    ox, oy = int(offset[0]), int(offset[1])
    frame = scene.background[oy:oy + H, ox:ox + W].copy()
    box = scene.target.step()
    if rich:
        seen = _clip_to_image(box, W, H)
        out_of_frame = min(seen[2], seen[3]) < 2
    drawn = [(tex, mover.step()) for tex, mover in scene.distractors]
    for tex, dbox in drawn[:len(drawn) // 2 + 1]:
        _paste(frame, tex, dbox)  # behind the target
    target_mask = np.zeros((H, W), dtype=bool)
    if not absent[t]:
        _paste(frame, scene.target_tex, box, target_mask)
        if rich:
            _motion_blur(frame, box, scene.target.v)
    if rich and out_of_frame:
        absent[t] = True
    for tex, dbox in drawn[len(drawn) // 2 + 1:]:
        _paste(frame, tex, dbox, None)  # may cover the target
        x1, y1 = max(int(round(dbox[0])), 0), max(int(round(dbox[1])), 0)
        x2 = min(int(round(dbox[0] + dbox[2])), W)
        y2 = min(int(round(dbox[1] + dbox[3])), H)
        target_mask[y1:max(y1, y2), x1:max(x1, x2)] = False
    _sweep_occluder(frame, scene, box, t, target_mask)
    raw = box
    if rich and not absent[t]:
        box = seen  # annotate the visible part, as the datasets do
    return frame, box, raw, target_mask


def render_video(rng: np.random.Generator, num_frames: int,
                 size: Tuple[int, int] = (320, 240),
                 with_absence: bool = True, style: str = 'basic'):
    """Frames and labels of one synthetic video.

    Returns ``(frames, boxes, absence, cover, cut_by_image)``; ``boxes``
    are float xywh with ``-1`` rows on absent frames. ``with_absence`` has
    no effect on the 'lissajous' style.
    """
    if style not in STYLES:
        raise ValueError(f'style must be one of {STYLES}, got {style!r}')
    W, H = size
    if style == 'lissajous':
        return _render_lissajous(rng, num_frames, W, H)
    rich = style == 'rich'
    margin = 40
    scene = _draw_scene(rng, num_frames, W, H, margin, rich, with_absence)
    absent = scene.absent
    frames, boxes, cover, cut = [], [], [], []
    offset = np.array([margin, margin], dtype=np.float64)
    for t in range(num_frames):
        offset = np.clip(offset + scene.pan, 0, 2 * margin)
        frame, box, raw, target_mask = _render_frame(scene, t, offset, W, H,
                                                     rich)
        frames.append(frame)
        if absent[t]:
            boxes.append(np.array([-1.0, -1.0, -1.0, -1.0]))
            cover.append(0)
            cut.append(0)
            continue
        frac = float(target_mask.sum()) / (raw[2] * raw[3])
        boxes.append(box)
        cover.append(int(np.clip(np.ceil(min(frac, 1.0) * 8), 0, 8)))
        cut.append(int(raw[0] < 0 or raw[1] < 0 or raw[0] + raw[2] > W
                       or raw[1] + raw[3] > H))
    return (frames, np.stack(boxes), absent.astype(int), np.array(cover),
            np.array(cut))


def _write_lines(path: str, lines: List[str]) -> None:
    atomic_write_text(path, '\n'.join(lines) + '\n')


def write_sequence(seq_dir: str, rng: np.random.Generator, num_frames: int,
                   size: Tuple[int, int], with_absence: bool = True,
                   jpeg_quality: int = 90, style: str = 'basic') -> None:
    """Render one video and write it in the GOT-10k sequence layout."""
    os.makedirs(seq_dir, exist_ok=True)
    frames, boxes, absence, cover, cut = render_video(
        rng, num_frames, size, with_absence, style=style)
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
                          num_val_frames: Optional[int] = None,
                          style: str = 'basic') -> dict:
    """Write ``num_videos`` train and ``num_val_videos`` val sequences.

    Train videos have ``num_frames`` frames, val videos ``num_val_frames``
    (default: ``num_frames``). Video ``i`` of a split depends only on
    ``(seed, split, i)`` (and its length and ``style``, see the module
    docstring). Returns
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
                           with_absence=(i % 2 == 0), style=style)
            if progress is not None:
                progress(f'{split} {i + 1}/{count} {name}')
        _write_lines(osp.join(split_dir, 'list.txt'), names)
        written[split] = names
    return written
