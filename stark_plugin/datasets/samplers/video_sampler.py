"""Test sampler that gives every rank whole videos."""
from typing import Iterator, List, Optional

import numpy as np
from mmengine.dist import get_dist_info
from torch.utils.data import Sampler

from stark_plugin.registry import DATA_SAMPLERS


def split_videos(lengths: List[int], world_size: int) -> List[List[int]]:
    """Cut the video list into ``world_size`` contiguous runs of about
    equal frame count: a video goes to the rank in whose share of the
    frames it starts (a rank may get none)."""
    total = float(sum(lengths))
    bounds = np.cumsum([0] + list(lengths))
    parts: List[List[int]] = [[] for _ in range(world_size)]
    for v in range(len(lengths)):
        r = min(int(bounds[v] * world_size / total), world_size - 1) \
            if total > 0 else v % world_size
        parts[r].append(v)
    return parts


@DATA_SAMPLERS.register_module()
class VideoSampler(Sampler):
    """Whole videos, in dataset order, for this rank.

    The videos are cut into ``world_size`` contiguous runs balanced by
    frame count, so no video is split between ranks and concatenating the
    ranks' outputs in rank order restores the dataset order.

    By default it yields **video indices** (for ``SOTTestLoop``, which calls
    ``dataset.get_video(idx)``). With ``yield_frames=True`` it yields the
    item indices of the frames of those videos instead, for a frame-level
    test-mode dataset (see ``BaseSOTDataset.video_frame_ranges``).
    ``video_indices`` always lists this rank's videos.
    """

    def __init__(self, dataset, seed: Optional[int] = None,
                 yield_frames: bool = False) -> None:
        self.dataset = dataset
        self.yield_frames = yield_frames
        self.rank, self.world_size = get_dist_info()
        if hasattr(dataset, 'video_frame_ranges'):
            ranges = dataset.video_frame_ranges()
        else:  # anything else: every item is a one-frame video
            ranges = [range(i, i + 1) for i in range(len(dataset))]
        parts = split_videos([len(r) for r in ranges], self.world_size)
        self.video_indices: List[int] = parts[self.rank]
        self.frame_indices: List[int] = [
            i for v in self.video_indices for i in ranges[v]
        ]
        self.indices = (self.frame_indices
                        if yield_frames else list(self.video_indices))

    def __iter__(self) -> Iterator[int]:
        return iter(self.indices)

    def __len__(self) -> int:
        return len(self.indices)

    def set_epoch(self, epoch: int) -> None:
        """No shuffling: the order never changes."""
