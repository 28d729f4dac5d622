"""Re-seed the training process at each epoch, so resumed runs match."""
import random

import numpy as np
import torch
from mmengine.dist import get_dist_info
from mmengine.hooks import Hook

from stark_plugin.registry import HOOKS

__all__ = ['EpochSeedHook', 'epoch_seed']


def epoch_seed(seed: int, epoch: int, rank: int) -> int:
    """A 32-bit seed mixed from the run seed, the epoch and the rank."""
    return int(np.random.SeedSequence([seed, epoch, rank]).generate_state(
        1)[0])


@HOOKS.register_module()
class EpochSeedHook(Hook):
    """Seed torch (CPU and CUDA), numpy and ``random`` of each training
    process from ``(run seed, epoch, rank)`` before every epoch.

    The training data is already a function of (seed, epoch, sample
    index) (:mod:`stark_plugin.datasets.sample_draw`); the other random
    draws of a training step (dropout) come from the process's generators,
    whose state mmengine does not save in checkpoints. Re-seeding them at
    each epoch makes a run resumed from an epoch checkpoint draw what the
    uninterrupted run drew. It also hands the run seed to a training
    sampler with a ``seed`` (``QuotaSampler``): the sampler is built before
    ``--resume`` restores the seed of the checkpoint (which matters when
    the seed was drawn at random rather than set).
    """

    priority = 'VERY_HIGH'

    def before_train_epoch(self, runner) -> None:
        seed = runner.seed
        if seed is None:
            return
        sampler = getattr(runner.train_dataloader, 'sampler', None)
        if sampler is not None and hasattr(sampler, 'seed'):
            sampler.seed = seed
        value = epoch_seed(seed, runner.epoch, get_dist_info()[0])
        random.seed(value)
        np.random.seed(value)
        torch.manual_seed(value)  # also seeds every CUDA device
