"""Training sampler drawing a fixed number of samples per epoch."""
import math
from typing import Iterator, Optional

import numpy as np
from mmengine.dist import get_dist_info, sync_random_seed
from torch.utils.data import Sampler

from stark_plugin.registry import DATA_SAMPLERS


@DATA_SAMPLERS.register_module()
class QuotaSampler(Sampler):
    """``samples_per_epoch`` random indices per epoch, split over ranks.

    STARK defines an epoch as a fixed number of samples (60000), each a
    random video (the dataset then samples frames). Every rank yields
    ``ceil(samples_per_epoch / world_size)`` indices drawn uniformly with
    replacement from a stream seeded by ``(seed, epoch, rank)``, so ranks
    differ and runs repeat. Call :meth:`set_epoch` each epoch (mmengine's
    ``DistSamplerSeedHook`` does).
    """

    def __init__(self, dataset, samples_per_epoch: int = 60000,
                 seed: Optional[int] = None) -> None:
        if samples_per_epoch <= 0:
            raise ValueError(f'samples_per_epoch must be positive, got '
                             f'{samples_per_epoch}')
        self.dataset = dataset
        self.rank, self.world_size = get_dist_info()
        self.samples_per_epoch = samples_per_epoch
        self.num_samples = math.ceil(samples_per_epoch / self.world_size)
        self.seed = sync_random_seed() if seed is None else seed
        self.epoch = 0

    def __iter__(self) -> Iterator[int]:
        n = len(self.dataset)
        if n == 0:
            raise ValueError('QuotaSampler got an empty dataset')
        rng = np.random.default_rng([self.seed, self.epoch, self.rank])
        return iter(rng.integers(0, n, size=self.num_samples).tolist())

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch
