"""The one place where STARK crops a target region out of a frame.

Both the training pipeline and the test-time tracker crop with
:func:`sample_target` and map boxes with :func:`map_box_to_crop`, so the
conventions that parity with the official code depends on live here:

* square crop of side ``ceil(sqrt(w * h) * factor)`` centred on the box;
* the top-left corner is rounded with Python's ``round`` (half to even);
* zero padding outside the image, where the right/bottom pad is one pixel
  larger than the overlap (``x2 - W + 1``): the last image column/row is
  replaced by padding whenever the crop reaches that border;
* ``cv2.resize`` with bilinear interpolation on uint8;
* the padding mask is a float64 image resized the same way and then cast to
  bool, so any non-zero value counts as padding (True).
"""
import math
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np
import torch


def crop_side(box_wh: Sequence[float], factor: float) -> int:
    """Side in pixels of the square crop around a box of size ``box_wh``."""
    w, h = box_wh
    side = math.ceil(math.sqrt(w * h) * factor)
    if side < 1:
        raise ValueError(f'box of size {w}x{h} is too small to crop '
                         f'(crop side {side} < 1)')
    return side


def crop_window(box_xywh: Sequence[float],
                factor: float) -> Tuple[int, int, int]:
    """``(x1, y1, side)``: top-left corner and side in frame pixels of the
    square crop :func:`sample_target` takes around ``box_xywh``."""
    x, y, w, h = (float(v) for v in box_xywh)
    side = crop_side((w, h), factor)
    return (round(x + 0.5 * w - side * 0.5), round(y + 0.5 * h - side * 0.5),
            side)


def sample_target(image: np.ndarray,
                  box_xywh: Sequence[float],
                  factor: float,
                  output_size: Optional[int] = None
                  ) -> Tuple[np.ndarray, float, np.ndarray]:
    """Crop a square region ``factor`` times the box size around the box.

    Args:
        image: ``(H, W, C)`` uint8 frame.
        box_xywh: target box ``(x, y, w, h)`` in image pixels.
        factor: crop side relative to ``sqrt(w * h)`` (2.0 template,
            5.0 search in STARK).
        output_size: resize the crop to ``output_size`` squared; ``None``
            keeps the crop size.

    Returns:
        ``(crop, resize_factor, mask)``: the ``(S, S, C)`` crop, the scale
        from image pixels to crop pixels and an ``(S, S)`` bool mask, True
        on padding.
    """
    x1, y1, side = crop_window(box_xywh, factor)
    img_h, img_w = image.shape[:2]
    x2 = x1 + side
    y2 = y1 + side
    pad_left = max(0, -x1)
    pad_top = max(0, -y1)
    pad_right = max(x2 - img_w + 1, 0)
    pad_bottom = max(y2 - img_h + 1, 0)

    # Region of the image inside the crop. When the crop lies completely
    # outside the image this is empty and the crop is all padding.
    ys, ye = y1 + pad_top, y2 - pad_bottom
    xs, xe = x1 + pad_left, x2 - pad_right
    inner_h, inner_w = max(ye - ys, 0), max(xe - xs, 0)
    crop = np.zeros((side, side) + image.shape[2:], dtype=image.dtype)
    mask = np.ones((side, side), dtype=np.float64)
    if inner_h > 0 and inner_w > 0:
        crop[pad_top:pad_top + inner_h, pad_left:pad_left + inner_w] = \
            image[ys:ye, xs:xe]
        mask[pad_top:pad_top + inner_h, pad_left:pad_left + inner_w] = 0

    if output_size is None:
        return crop, 1.0, mask.astype(bool)
    resize_factor = output_size / side
    crop = cv2.resize(crop, (output_size, output_size))
    mask = cv2.resize(mask, (output_size, output_size)).astype(bool)
    return crop, resize_factor, mask


def map_box_to_crop(box_xywh: np.ndarray, crop_box_xywh: np.ndarray,
                    resize_factor: float, output_size: int,
                    normalize: bool = False) -> np.ndarray:
    """Map a box from image pixels into a crop made by :func:`sample_target`.

    ``crop_box_xywh`` is the box the crop was centred on. The centre of the
    crop is ``(output_size - 1) / 2`` in crop pixels (STARK's training
    convention, which ignores the integer rounding of the crop corner).
    With ``normalize`` the result is divided by ``output_size``.

    Computed in float32 with torch, operation by operation as the official
    ``transform_image_to_crop`` does (``resize_factor`` enters as float32),
    so training targets match the official ones bit for bit.
    """
    box = torch.as_tensor(np.asarray(box_xywh), dtype=torch.float32)
    ref = torch.as_tensor(np.asarray(crop_box_xywh), dtype=torch.float32)
    size = torch.tensor([output_size, output_size], dtype=torch.float32)
    ref_center = ref[0:2] + 0.5 * ref[2:4]
    box_center = box[0:2] + 0.5 * box[2:4]
    out_center = (size - 1) / 2 + (box_center - ref_center) * resize_factor
    out_wh = box[2:4] * resize_factor
    out = torch.cat((out_center - 0.5 * out_wh, out_wh))
    if normalize:
        out = out / size[0]
    return out.numpy()


def corner_round_trip(box_xywh: np.ndarray) -> np.ndarray:
    """``[x, y, (x + w) - x, (y + h) - y]`` in float32 (corners taken as
    min / max, as the official code does).

    The official flip transforms rebuild every box from its corners, also
    when they do not flip; w and h can change in the last bit.
    """
    box = np.asarray(box_xywh, dtype=np.float32)
    out = box.copy()
    for i in (0, 1):
        a, b = box[..., i], box[..., i] + box[..., i + 2]
        out[..., i] = np.minimum(a, b)
        out[..., i + 2] = np.maximum(a, b) - out[..., i]
    return out
