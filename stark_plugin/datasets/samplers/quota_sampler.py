"""Training sampler drawing a fixed number of samples per epoch."""
import math
from typing import Iterator, Optional, Tuple

from mmengine.dist import get_dist_info, sync_random_seed
from torch.utils.data import Sampler

from stark_plugin.registry import DATA_SAMPLERS


@DATA_SAMPLERS.register_module()
class QuotaSampler(Sampler):
    """``samples_per_epoch`` sample keys per epoch, split over ranks.

    STARK defines an epoch as a fixed number of samples (60000), each a
    random video (the dataset then samples frames). The keys of epoch ``e``
    are ``(seed, e, i)`` for the positions ``i`` of the epoch; rank ``r`` of
    ``W`` takes the positions ``r, r + W, ...`` (``ceil(samples_per_epoch /
    W)`` of them), so ranks draw disjoint samples and a run's stream
    depends only on the seed and the world size. The training datasets
    turn a key into a sample deterministically
    (:mod:`stark_plugin.datasets.sample_draw`), so a resumed run draws what
    the uninterrupted run drew. Call :meth:`set_epoch` each epoch
    (mmengine's ``DistSamplerSeedHook`` does).
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

    def __iter__(self) -> Iterator[Tuple[int, int, int]]:
        if len(self.dataset) == 0:
            raise ValueError('QuotaSampler got an empty dataset')
        total = self.num_samples * self.world_size
        return iter((self.seed, self.epoch, i)
                    for i in range(self.rank, total, self.world_size))

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch
