from unittest import mock

import numpy as np
import pytest

from stark_plugin.datasets import (GOT10kDataset, QuotaSampler,
                                   RandomSampleConcatDataset, VideoSampler)
from stark_plugin.datasets.samplers import split_videos


class _Items:

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n


def _with_rank(rank, world, cls, *args, **kwargs):
    target = f'{cls.__module__}.get_dist_info'
    with mock.patch(target, return_value=(rank, world)):
        return cls(*args, **kwargs)


def test_quota_sampler_yields_sample_keys():
    s = QuotaSampler(_Items(10), samples_per_epoch=25, seed=1)
    keys = list(s)
    assert len(s) == len(keys) == 25
    assert keys == [(1, 0, i) for i in range(25)]  # (seed, epoch, index)
    s.set_epoch(3)
    assert list(s) == [(1, 3, i) for i in range(25)]


def test_quota_sampler_ranks_take_disjoint_slices():
    streams = [list(_with_rank(r, 4, QuotaSampler, _Items(1000), 60000,
                               seed=0)) for r in range(4)]
    assert all(len(s) == 15000 for s in streams)
    merged = sorted(k for s in streams for k in s)
    assert merged == [(0, 0, i) for i in range(60000)]
    odd = _with_rank(0, 7, QuotaSampler, _Items(5), 60000, seed=0)
    assert len(odd) == 8572  # ceil(60000 / 7)


def test_quota_sampler_rejects_bad_quota():
    with pytest.raises(ValueError):
        QuotaSampler(_Items(3), samples_per_epoch=0)


def test_split_videos_balanced_and_contiguous():
    parts = split_videos([100, 10, 10, 10, 100, 5], 2)
    assert parts == [[0, 1, 2], [3, 4, 5]]  # 120 vs 115 frames
    assert split_videos([3], 4) == [[0], [], [], []]


@pytest.mark.parametrize('world', [1, 2, 3, 8])
def test_video_sampler_whole_videos(synth_root, world):
    ds = GOT10kDataset(data_root=synth_root, split='train', test_mode=True)
    ranges = ds.video_frame_ranges()
    samplers = [_with_rank(r, world, VideoSampler, ds, yield_frames=True)
                for r in range(world)]
    merged = [i for s in samplers for i in s]
    assert merged == list(range(len(ds)))  # covers all, order preserved
    for s in samplers:
        for v in s.video_indices:
            assert set(ranges[v]) <= set(s.indices)
        for v in set(range(len(ranges))) - set(s.video_indices):
            assert not set(ranges[v]) & set(s.indices)
    assert sorted(v for s in samplers for v in s.video_indices) == \
        list(range(ds.num_videos))


def test_concat_dataset_weights(synth_root):
    a = GOT10kDataset(data_root=synth_root, split='train')
    b = GOT10kDataset(data_root=synth_root, split='val')
    mix = RandomSampleConcatDataset([a, b], weights=[1, 3])
    assert len(mix) == 6 and a.frame_source is mix
    rng = np.random.default_rng(0)
    picks = [mix._pick(rng)[0] is b for i in range(4000)]
    assert 0.70 < np.mean(picks) < 0.80
    only_a = RandomSampleConcatDataset([a, b], weights=[1, 0])
    assert all(only_a._pick(rng)[0] is a for i in range(200))
    info = only_a.get_data_info(5)
    assert info['video_name'].startswith('GOT-10k_Train')
    assert only_a.sample_random_frame()['video_name'].startswith(
        'GOT-10k_Train')
    with pytest.raises(ValueError):
        RandomSampleConcatDataset([a, b], weights=[1])


def test_video_sampler_yields_videos_by_default(synth_root):
    ds = GOT10kDataset(data_root=synth_root, split='train', test_mode=True)
    samplers = [_with_rank(r, 3, VideoSampler, ds) for r in range(3)]
    merged = [v for s in samplers for v in s]
    assert merged == list(range(ds.num_videos))
    assert all(len(s) == len(s.video_indices) for s in samplers)
