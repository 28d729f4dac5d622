"""Draw tracked boxes, scores, frame index and FPS on BGR frames."""
import colorsys
from typing import Optional, Sequence, Tuple

import cv2
import mmcv
import numpy as np

# distinct BGR colours for the first targets; further ones by golden-ratio
# hue steps
_PALETTE: Tuple[Tuple[int, int, int], ...] = (
    (0, 255, 0), (0, 128, 255), (255, 0, 255), (255, 255, 0), (0, 0, 255),
    (255, 128, 0), (0, 255, 255), (128, 0, 255), (255, 255, 255),
    (128, 255, 128))


def target_color(index: int) -> Tuple[int, int, int]:
    """A BGR colour for target ``index``, distinct for the first ten."""
    if index < len(_PALETTE):
        return _PALETTE[index]
    hue = (index * 0.618033988749895) % 1.0
    r, g, b = colorsys.hsv_to_rgb(hue, 0.9, 1.0)
    return int(b * 255), int(g * 255), int(r * 255)


def _label(img: np.ndarray, text: str, org: Tuple[int, int],
           color: Tuple[int, int, int], scale: float = 0.45,
           thickness: int = 1) -> None:
    """Text on a filled dark box at ``org`` (top-left), kept inside."""
    font = cv2.FONT_HERSHEY_SIMPLEX
    (tw, th), base = cv2.getTextSize(text, font, scale, thickness)
    h, w = img.shape[:2]
    x = int(min(max(org[0], 0), max(w - tw - 2, 0)))
    y = int(min(max(org[1], 0), max(h - th - base - 2, 0)))
    cv2.rectangle(img, (x, y), (x + tw + 2, y + th + base + 2), (0, 0, 0),
                  -1)
    cv2.putText(img, text, (x + 1, y + th + 1), font, scale, color,
                thickness, cv2.LINE_AA)


def draw_tracks(frame: np.ndarray,
                boxes: Sequence[Sequence[float]],
                scores: Optional[Sequence[float]] = None,
                frame_index: Optional[int] = None,
                fps: Optional[float] = None,
                thickness: int = 2,
                copy: bool = True) -> np.ndarray:
    """Boxes ``[x, y, w, h]`` in one colour per target, labelled with the
    target index and score (omitted when negative: STARK-S), plus a frame
    index / FPS line at the top left.

    Returns the drawn frame (a copy unless ``copy=False``).
    """
    img = frame.copy() if copy else frame
    if len(boxes):
        xyxy = [
            np.array([[x, y, x + w, y + h]], dtype=np.float32)
            for x, y, w, h in boxes
        ]
        colors = [target_color(t) for t in range(len(boxes))]
        img = mmcv.imshow_bboxes(img, xyxy, colors=colors,
                                 thickness=thickness, show=False)
    # the header first: target labels stay readable on top of it
    parts = []
    if frame_index is not None:
        parts.append(f'frame {frame_index}')
    if fps is not None:
        parts.append(f'{fps:.1f} fps')
    if parts:
        _label(img, '  '.join(parts), (0, 0), (255, 255, 255), scale=0.5)
    for t, box in enumerate(boxes):
        text = f'#{t}'
        if scores is not None and scores[t] >= 0:
            text += f' {scores[t]:.2f}'
        x, y = int(round(box[0])), int(round(box[1]))
        _label(img, text, (x, y - 16 if y >= 16 else y + 1),
               target_color(t))
    return img


def draw_unreadable(size_wh: Tuple[int, int],
                    frame_index: int) -> np.ndarray:
    """A black frame saying that frame ``frame_index`` could not be read."""
    img = np.zeros((size_wh[1], size_wh[0], 3), np.uint8)
    _label(img, f'frame {frame_index}: unreadable', (0, 0), (0, 0, 255),
           scale=0.5)
    return img
