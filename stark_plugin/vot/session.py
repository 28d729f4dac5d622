"""The tracking side of a TraX session, free of the protocol library.

A session receives what the toolkit sends (a frame path and, on
``initialize`` and on frames that add targets, regions) and answers one
region and its properties per target, in the order the targets were
given. All targets of a frame are tracked in one batched forward through
:class:`~stark_plugin.apis.SOTInferencer`.
"""
from typing import Callable, Dict, List, Sequence, Tuple

import numpy as np
import torch

from ..apis import SOTInferencer, init_model
from ..errors import InputError
from ..fileio.frames import read_frame
from ..fileio.vot import VOTRegion
from ..structures.bbox import validate_box
from .regions import box_from_region, region_kind, reply_region
from .settings import TrackerSettings

__all__ = ['TrackingSession', 'build_inferencer', 'Reply']

#: one target's answer: the region and its TraX properties
Reply = Tuple[VOTRegion, Dict[str, float]]


def build_inferencer(settings: TrackerSettings) -> SOTInferencer:
    """The model and inferencer that ``settings`` describe."""
    if settings.threads is not None:
        torch.set_num_threads(settings.threads)
    model = init_model(settings.config, settings.checkpoint,
                       device=settings.device)
    return SOTInferencer(model, backend=settings.backend,
                         onnx_dir=settings.onnx_dir)


def _confidence(score: float) -> Dict[str, float]:
    """The ``confidence`` property the long-term analyses read; none for
    STARK-S, which has no score head (score -1)."""
    return {'confidence': float(score)} if score >= 0 else {}


class TrackingSession:
    """Targets of one toolkit connection, tracked by ``inferencer``.

    Args:
        inferencer: a :class:`SOTInferencer` (or an object with its
            ``reset``/``init``/``track`` contract).
        read: reads a frame path as a BGR uint8 image.
    """

    def __init__(self, inferencer: SOTInferencer,
                 read: Callable[[str], np.ndarray] = read_frame) -> None:
        self.inferencer = inferencer
        self.read = read
        self.kinds: List[str] = []  # per target: the region kind it came as
        self.frames = 0

    def _frame(self, path: str) -> np.ndarray:
        self.frames += 1
        try:
            return self.read(path)
        except (OSError, ValueError) as err:
            raise InputError(f'frame {self.frames} of the session: {err}') \
                from None

    def _add(self, frame: np.ndarray, regions: Sequence[VOTRegion]
             ) -> List[Reply]:
        size = (frame.shape[1], frame.shape[0])
        replies = []
        for region in regions:
            try:
                kind = region_kind(region)
                box = validate_box(box_from_region(region), frame.shape,
                                   'box')
            except InputError as err:
                raise InputError(f'target {len(self.kinds)} on frame '
                                 f'{self.frames}: {err}') from None
            self.inferencer.init(frame, box)
            self.kinds.append(kind)
            replies.append((reply_region(box, kind, size), {}))
        return replies

    def initialize(self, path: str, regions: Sequence[VOTRegion]
                   ) -> List[Reply]:
        """Start over on frame ``path`` with targets ``regions``; answers
        each target's initial region (as a box, or a box mask)."""
        self.inferencer.reset()
        self.kinds = []
        self.frames = 0
        frame = self._frame(path)
        return self._add(frame, regions)

    def track(self, path: str, new: Sequence[VOTRegion] = ()
              ) -> List[Reply]:
        """Track every target into frame ``path``, then add the targets
        ``new`` that start on it; answers all targets in order."""
        frame = self._frame(path)
        replies: List[Reply] = []
        if self.kinds:
            size = (frame.shape[1], frame.shape[0])
            result = self.inferencer.track(frame)
            replies = [(reply_region(t['box'], kind, size),
                        _confidence(t['score']))
                       for t, kind in zip(result['targets'], self.kinds)]
        return replies + self._add(frame, new)
