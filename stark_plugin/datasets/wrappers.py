"""Weighted mixing of several SOT training datasets."""
import bisect
from typing import List, Optional, Sequence, Union

import numpy as np
from mmengine.dataset import force_full_init

from stark_plugin.registry import DATASETS
from .sample_draw import BadDataLog, draw_sample, key_entropy


@DATASETS.register_module()
class RandomSampleConcatDataset:
    """Mix training datasets with per-dataset sampling weights.

    As the official ``TrackingSampler``: each item first draws a dataset
    with probability ``weights[i] / sum(weights)`` (independent of the
    dataset sizes), then a video uniformly among that dataset's usable
    videos (the official rule: enough visible frames for the frame sampler
    of the child's pipeline). When the pipeline rejects the sample (an
    invalid crop, a failed frame draw) or has bad data, the dataset is
    drawn again too, as the official sampler's retry loop does, so the mix
    of accepted samples follows the official one. An item is a sample key
    (``(seed, epoch, index)`` from :class:`QuotaSampler`); the sample is a
    deterministic function of it (:mod:`.sample_draw`).
    ``len`` is the total number of videos unless ``length`` is given.
    Negative / random frames for STARK-ST2 come from the mix too (each
    child's ``frame_source`` is this wrapper).

    Args:
        datasets: dataset configs or instances.
        weights: sampling weight per dataset (default: all equal).
        length: nominal length (items are drawn anyway).
        seed: mixes into the index hash.
        max_refetch: attempts per item before giving up with an error.
    """

    def __init__(self, datasets: Sequence[Union[dict, object]],
                 weights: Optional[Sequence[float]] = None,
                 length: Optional[int] = None, seed: int = 0,
                 max_refetch: int = 1000, lazy_init: bool = False) -> None:
        self.datasets = [
            DATASETS.build(d) if isinstance(d, dict) else d for d in datasets
        ]
        if not self.datasets:
            raise ValueError('RandomSampleConcatDataset needs datasets')
        weights = [1.0] * len(self.datasets) if weights is None else weights
        if len(weights) != len(self.datasets) or min(weights) < 0 \
                or sum(weights) <= 0:
            raise ValueError(f'weights {list(weights)} must be one '
                             f'non-negative number per dataset')
        self.weights = np.asarray(weights, dtype=np.float64) / sum(weights)
        self._cum = np.cumsum(self.weights)
        self._length = length
        self.seed = seed
        self.max_refetch = max_refetch
        self.bad_data = BadDataLog()
        for d in self.datasets:
            d.frame_source = self
        self.metainfo = dict(self.datasets[0].metainfo)
        self._fully_initialized = False
        if not lazy_init:
            self.full_init()

    def full_init(self) -> None:
        if self._fully_initialized:
            return
        for d in self.datasets:
            d.full_init()
        self._fully_initialized = True

    @force_full_init
    def __len__(self) -> int:
        if self._length is not None:
            return self._length
        return sum(len(d) for d in self.datasets)

    def _pick(self, rng: np.random.Generator):
        """(dataset, video index) of one draw."""
        k = min(bisect.bisect_right(self._cum, rng.random()),
                len(self.datasets) - 1)
        dataset = self.datasets[k]
        usable = dataset.training_videos()
        return dataset, int(usable[rng.integers(len(usable))])

    @force_full_init
    def get_data_info(self, idx: int) -> dict:
        dataset, local = self._pick(np.random.default_rng(
            [self.seed] + key_entropy(idx)))
        return dataset.get_data_info(local)

    def __getitem__(self, idx):
        """The training sample of key ``idx`` (see
        :mod:`stark_plugin.datasets.sample_draw`)."""
        if not self._fully_initialized:
            self.full_init()
        return draw_sample(
            (self.seed, ) + tuple(key_entropy(idx)), self._pick,
            'RandomSampleConcatDataset', self.bad_data, self.max_refetch)

    def sample_random_frame(self, max_tries: int = 100) -> Optional[dict]:
        """A random frame of a dataset drawn by the weights."""
        k = int(np.random.choice(len(self.datasets), p=self.weights))
        return self.datasets[k].sample_random_frame(max_tries)

    @property
    def dataset_names(self) -> List[str]:
        return [d.dataset_name for d in self.datasets]
