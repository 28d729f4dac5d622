"""Frame sampling of STARK: the official 'trident' / 'trident_pro'
(STARK-ST) and 'causal' (STARK-S) template/search samplers."""
import functools
from typing import List, Optional, Sequence, Union

import numpy as np
from mmcv.transforms import BaseTransform
from PIL import Image

from stark_plugin.registry import TRANSFORMS
from ..records import frame_path, video_usable


def sample_ids(visible: np.ndarray, num: int = 1, lo: int = 0,
               hi: Optional[int] = None, mode: str = 'visible'
               ) -> Optional[List[int]]:
    """``num`` frame ids drawn with replacement from ``[lo, hi)``.

    ``mode``: ``'visible'`` (target visible), ``'any'`` or ``'invisible'``.
    The range is clipped to the video; None when no frame qualifies
    (official ``_sample_visible_ids``).
    """
    n = len(visible)
    lo = max(lo, 0)
    hi = n if hi is None else min(hi, n)
    if hi <= lo:
        return None
    window = visible[lo:hi]
    if mode == 'any':
        valid = np.arange(lo, hi)
    elif mode == 'invisible':
        valid = lo + np.flatnonzero(~window)
    else:
        valid = lo + np.flatnonzero(window)
    if len(valid) == 0:
        return None
    return [int(v) for v in valid[np.random.randint(len(valid), size=num)]]


def centre_box(img_path: str) -> np.ndarray:
    """The official negative-sample box: 1/8 of the frame, centred."""
    with Image.open(img_path) as im:
        width, height = im.size
    cx, cy, w, h = width / 2, height / 2, width / 8, height / 8
    return np.array([int(cx - w / 2), int(cy - h / 2), int(w), int(h)],
                    dtype=np.float64)


class _StarkFrameSampling(BaseTransform):
    """Shared part of the official STARK frame samplers: video checks,
    image datasets, stage-2 negatives and the output keys. Subclasses pick
    the frame ids of a video (:meth:`frame_ids`)."""

    def __init__(self, num_template_frames: int,
                 cls_pos_prob: Optional[float] = None,
                 max_tries: int = 100) -> None:
        self.num_template_frames = num_template_frames
        self.cls_pos_prob = cls_pos_prob
        self.max_tries = max_tries

    @property
    def frames_per_sample(self) -> int:
        """Frames of one sample (templates + search): the dataset's
        usable-video rule depends on it."""
        return self.num_template_frames + 1

    def frame_ids(self, visible: np.ndarray) -> Optional[tuple]:
        """``(template ids, search id)`` of a video, or None."""
        raise NotImplementedError

    def transform(self, results: dict) -> Optional[dict]:
        num_frames = results['num_frames']
        boxes = np.asarray(results['gt_bboxes'], dtype=np.float64)
        is_video = results.get('is_video_dataset', True)
        path_of = functools.partial(frame_path, results)
        if is_video:
            visible = results.get('visible')
            if not video_usable(visible, num_frames, self.frames_per_sample):
                return None
            visible = np.asarray(visible, dtype=bool)
            picked = self.frame_ids(visible)
            if picked is None:
                return None
            template_ids, search_id = picked
        else:
            visible = None
            template_ids = [0] * self.num_template_frames
            search_id = 0
        img_paths = [path_of(i) for i in template_ids]
        bboxes = [boxes[i] for i in template_ids]
        search_path, search_box = path_of(search_id), boxes[search_id]
        label = None
        if self.cls_pos_prob is not None:
            label = 1
            if np.random.rand() >= self.cls_pos_prob:
                label = 0
                negative = self._negative(results, visible, path_of,
                                          img_paths[0])
                if negative is None:
                    return None
                search_id, search_path, search_box = negative
        results['img_path'] = img_paths + [search_path]
        results['gt_bboxes'] = np.stack(bboxes + [search_box]).astype(
            np.float64)
        results['frame_ids'] = list(template_ids) + [search_id]
        results['num_templates'] = self.num_template_frames
        if label is not None:
            results['gt_label'] = label
        # the video-level arrays are not needed downstream
        for key in ('visible', 'img_names', 'meta'):
            results.pop(key, None)
        return results

    def _negative(self, results, visible, path_of, template_path):
        if visible is not None:
            ids = sample_ids(visible, 1, mode='invisible')
            if ids is not None:
                return ids[0], path_of(ids[0]), centre_box(template_path)
        source = results.get('frame_source')
        frame = source.sample_random_frame() if source is not None else None
        if frame is None:
            return None
        results['search_source'] = dict(
            video_name=frame['video_name'], frame_id=frame['frame_id'],
            dataset_name=frame['dataset_name'])
        return -1, frame['img_path'], frame['bbox']


@TRANSFORMS.register_module()
class TridentSampling(_StarkFrameSampling):
    """Pick 2 template frames and 1 search frame of a video (STARK-ST).

    The official ``get_frame_ids_trident``: the first template and the
    search frame are any two visible frames; for each entry of
    ``max_frame_range`` an extra (dynamic) template is drawn from the
    ``max_frame_range`` frames before the search frame (or from the search
    frame on, when the first template is not earlier than it); redraw
    until every extra template is found. ``mode='trident_pro'`` (STARK-ST's
    official setting, the default) lets an extra template be any frame of
    that window, visible or not; ``mode='trident'`` only visible ones. A
    video is used only with more than ``2 * (templates + 1)`` visible
    frames and at least 20 frames (returns None otherwise, so the dataset
    draws another video). Image datasets (COCO) repeat their single frame.

    With ``cls_pos_prob`` set (STARK-ST2), the search frame is a positive
    (``gt_label`` 1) with that probability; otherwise ``gt_label`` is 0 and
    the search frame is an invisible frame of the same video, boxed by the
    official centre box of 1/8 of the template frame size, or, when the
    video has none (or is an image), a random frame of a random video from
    ``results['frame_source']`` with its own ground truth.

    Adds ``img_path`` (list: templates then search), ``gt_bboxes`` (float64
    ``(T+1, 4)`` xywh), ``frame_ids``, ``num_templates`` and, for ST2,
    ``gt_label``.
    """

    MODES = ('trident', 'trident_pro')

    def __init__(self, num_template_frames: int = 2,
                 max_frame_range: Union[int, Sequence[int]] = 200,
                 mode: str = 'trident_pro',
                 cls_pos_prob: Optional[float] = None,
                 max_tries: int = 100) -> None:
        super().__init__(num_template_frames, cls_pos_prob, max_tries)
        if mode not in self.MODES:
            raise ValueError(f'mode must be one of {self.MODES}, got '
                             f'{mode!r}')
        if isinstance(max_frame_range, int):
            max_frame_range = [max_frame_range] * (num_template_frames - 1)
        if len(max_frame_range) != num_template_frames - 1:
            raise ValueError('max_frame_range needs one gap per extra '
                             'template frame')
        self.max_frame_range = list(max_frame_range)
        self.mode = mode

    def frame_ids(self, visible: np.ndarray) -> Optional[tuple]:
        """(template ids, search id) or None after ``max_tries``."""
        extra_mode = 'any' if self.mode == 'trident_pro' else 'visible'
        for _ in range(self.max_tries):
            first = sample_ids(visible)
            search = sample_ids(visible)
            if first is None or search is None:
                return None
            extras = []
            for gap in self.max_frame_range:
                if first[0] >= search[0]:
                    lo, hi = search[0], search[0] + gap
                else:
                    lo, hi = search[0] - gap, search[0]
                ids = sample_ids(visible, 1, lo, hi, mode=extra_mode)
                if ids is None:
                    break
                extras += ids
            else:
                return first + extras, search[0]
        return None

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(num_template_frames='
                f'{self.num_template_frames}, max_frame_range='
                f'{self.max_frame_range}, mode={self.mode!r}, '
                f'cls_pos_prob={self.cls_pos_prob})')


@TRANSFORMS.register_module()
class CausalSampling(_StarkFrameSampling):
    """Template frames before the search frame (STARK-S, the official
    ``'causal'`` mode).

    A base template is a visible frame in ``[T - 1, N - 1)``; the other
    ``T - 1`` templates are visible frames in ``[base - gap, base)``; the
    search frame is a visible frame in ``[base + 1, base + gap)``, where
    ``gap = max_gap`` grows by 5 after each failed draw (a new base is
    drawn each time). Gives up (None) after ``max_tries`` draws.
    """

    def __init__(self, num_template_frames: int = 1, max_gap: int = 200,
                 max_tries: int = 100) -> None:
        super().__init__(num_template_frames, None, max_tries)
        self.max_gap = max_gap

    def frame_ids(self, visible: np.ndarray) -> Optional[tuple]:
        t = self.num_template_frames
        increase = 0
        for _ in range(self.max_tries):
            base = sample_ids(visible, 1, t - 1, len(visible) - 1)
            if base is None:
                return None
            gap = self.max_gap + increase
            increase += 5
            prev = sample_ids(visible, t - 1, base[0] - gap, base[0]) \
                if t > 1 else []
            if prev is None:
                continue
            search = sample_ids(visible, 1, base[0] + 1, base[0] + gap)
            if search is not None:
                return base + prev, search[0]
        return None

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(num_template_frames='
                f'{self.num_template_frames}, max_gap={self.max_gap})')
