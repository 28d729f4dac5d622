"""The per-sequence input of the VOT analyses."""
from dataclasses import dataclass
from typing import Any, List, Optional, Tuple

import numpy as np

from .raster import region_overlaps
from .regions import Regions

__all__ = ['VOTSequence']


@dataclass
class VOTSequence:
    """One sequence: ground truth, image size and (multistart) anchors.

    Args:
        name: sequence name (the key of its trajectories).
        groundtruth: per-frame ground truth regions.
        width, height: image size, the rasterisation bounds.
        anchors: ``(N,)`` per-frame anchor values (``anchor.value``):
            ``> 0`` forward anchor, ``< 0`` backward, ``0`` none; ``None``
            when the sequence has none (multistart then refuses it).
    """
    name: str
    groundtruth: Regions
    width: int
    height: int
    anchors: Optional[np.ndarray] = None

    def __post_init__(self) -> None:
        if not isinstance(self.groundtruth, Regions):
            self.groundtruth = Regions.from_list(self.groundtruth)
        if self.width is None or self.height is None:
            raise ValueError(f'{self.name}: the image size is required')
        self.width, self.height = int(self.width), int(self.height)
        if self.anchors is not None:
            self.anchors = np.asarray(self.anchors, np.float64).reshape(-1)
            if len(self.anchors) != len(self):
                raise ValueError(f'{self.name}: {len(self.anchors)} anchor '
                                 f'values for {len(self)} frames')

    @classmethod
    def from_record(cls, record: Any) -> 'VOTSequence':
        """From anything with ``name``, ``groundtruth`` (a region list),
        ``width``, ``height`` and ``values`` (e.g. the ``VOTSequenceFolder`` of
        ``stark_plugin.fileio.vot``); anchors from ``values['anchor']``."""
        values = getattr(record, 'values', None) or {}
        return cls(record.name, Regions.from_list(record.groundtruth),
                   record.width, record.height, values.get('anchor'))

    def __len__(self) -> int:
        return len(self.groundtruth)

    @property
    def size(self) -> Tuple[int, int]:
        return self.width, self.height

    def anchor_frames(self) -> Tuple[List[int], List[int]]:
        """Forward and backward anchor frames, each in frame order."""
        if self.anchors is None:
            return [], []
        return (np.flatnonzero(self.anchors > 0).tolist(),
                np.flatnonzero(self.anchors < 0).tolist())

    def overlaps(self, trajectory: Regions,
                 frames: Optional[np.ndarray] = None, bounded: bool = True,
                 toolkit: str = '0.9.0') -> np.ndarray:
        """Overlaps of ``trajectory`` with the ground truth of ``frames``
        (all frames by default), bounded by the image size."""
        gt = self.groundtruth if frames is None else \
            self.groundtruth.take(frames)
        if len(trajectory) != len(gt):
            raise ValueError(f'{self.name}: trajectory of {len(trajectory)} '
                             f'frames for {len(gt)} ground truth frames')
        return region_overlaps(trajectory, gt,
                               self.size if bounded else None, toolkit)
