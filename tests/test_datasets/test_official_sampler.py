"""The official STARK sampling rules (researchmm/Stark,
``lib/train/data/sampler.py``, ``base_functions.py``) on the project's
sampler: ``TridentSampling`` / ``CausalSampling`` (frame ids, negatives),
``RandomSampleConcatDataset`` (dataset ratios, retries) and
``QuotaSampler`` (samples per epoch)."""
import os.path as osp
from unittest import mock

import numpy as np
import pytest
from mmengine.config import Config

from stark_plugin.datasets import (GOT10kDataset, QuotaSampler,
                                   RandomSampleConcatDataset)
from stark_plugin.datasets.transforms import CausalSampling, TridentSampling
from .sot_data_helpers import video_record, write_images

CONFIG_DIR = osp.join(osp.dirname(__file__), '..', '..', 'configs', 'sot',
                      'stark')


def _draw(t, visible, n=400, seed=0):
    np.random.seed(seed)
    return [t(video_record(visible))['frame_ids'] for _ in range(n)]


# ------------------------------------------------------ trident (STARK-ST)
def test_trident_window_is_before_the_search_frame_or_from_it_on():
    """get_frame_ids_trident: if template1 >= search the dynamic template
    lies in [search, search + gap), else in [search - gap, search)."""
    vis = np.ones(1000, bool)
    seen_before = seen_after = False
    for first, extra, search in _draw(TridentSampling(max_frame_range=[50]),
                                      vis, 600):
        if first >= search:
            assert search <= extra < search + 50
            seen_after = True
        else:
            assert search - 50 <= extra < search
            seen_before = True
    assert seen_before and seen_after


def test_trident_first_template_and_search_are_visible_dynamic_may_not():
    """_sample_visible_ids: template 1 and search visible; in trident_pro
    the dynamic template allows invisible frames (allow_invisible=True),
    in trident it does not."""
    vis = np.random.default_rng(0).random(300) < 0.5
    pro = _draw(TridentSampling(mode='trident_pro'), vis)
    assert all(vis[f] and vis[s] for f, _, s in pro)
    assert not all(vis[e] for _, e, _ in pro)
    plain = _draw(TridentSampling(mode='trident'), vis)
    assert all(vis[e] for _, e, _ in plain)


def test_trident_window_is_clipped_to_thevideo_record():
    """min_id < 0 -> 0, max_id > len -> len."""
    vis = np.ones(30, bool)
    for _, extra, _ in _draw(TridentSampling(max_frame_range=[200]), vis):
        assert 0 <= extra < 30


def test_trident_redraws_until_the_dynamic_template_exists():
    """A None dynamic template makes the official loop draw template 1 and
    the search frame again."""
    vis = np.zeros(200, bool)
    vis[:10] = True  # the only visible frames
    vis[150:160] = True
    t = TridentSampling(mode='trident', max_frame_range=[5])
    for first, extra, search in _draw(t, vis, 200):
        assert vis[extra] and abs(extra - search) <= 5


def test_usable_video_rule():
    """sample_seq_from_dataset: more than 2 * (search + templates) visible
    frames and at least 20 frames (image datasets always usable)."""
    t = TridentSampling()
    vis = np.zeros(40, bool)
    vis[:6] = True
    assert t(video_record(vis)) is None  # 6 visible, needs > 6
    vis[6] = True
    assert t(video_record(vis)) is not None
    assert t(video_record(np.ones(19, bool))) is None
    assert t(video_record(np.ones(1, bool), is_video=False)) is not None
    s = CausalSampling()  # STARK-S: one template, > 4 visible
    vis = np.zeros(40, bool)
    vis[:5] = True
    assert s(video_record(vis)) is not None
    vis[4] = False
    assert s(video_record(vis)) is None


def test_image_dataset_repeats_its_frame():
    """Image datasets: template_frame_ids = search_frame_ids = [1]."""
    out = TridentSampling()(video_record(np.ones(1, bool), is_video=False))
    assert out['frame_ids'] == [0, 0, 0]


# ------------------------------------------------------- stage-2 negatives
def test_stage2_positive_probability_and_negatives(tmp_path):
    """getitem_cls: positive with probability pos_prob (0.5); a negative is
    an invisible frame of the same video boxed by get_center_box(H, W) of
    the template frame: [int(W/2 - W/16), int(H/2 - H/16), int(W/8),
    int(H/8)]."""
    write_images(str(tmp_path), [f'{i + 1:08d}.jpg' for i in range(40)],
                 size=(90, 70))
    vis = np.ones(40, bool)
    vis[35:] = False
    t = TridentSampling(cls_pos_prob=0.5)
    np.random.seed(0)
    labels = []
    for _ in range(400):
        out = t(video_record(vis, img_dir=str(tmp_path)))
        labels.append(out['gt_label'])
        if out['gt_label'] == 0:
            assert not vis[out['frame_ids'][2]]
            np.testing.assert_array_equal(out['gt_bboxes'][2],
                                          [int(45 - 90 / 16),
                                           int(35 - 70 / 16), int(90 / 8),
                                           int(70 / 8)])
        else:
            assert vis[out['frame_ids'][2]]
    assert 0.42 < np.mean(labels) < 0.58


def test_stage2_negative_without_invisible_frames_is_any_frame_elsewhere():
    """No invisible frame (or an image dataset): get_one_search, a frame of
    a random usable video of a dataset drawn by the ratios, visible or not,
    with its own box."""
    calls = []

    class Source:

        def sample_random_frame(self):
            calls.append(1)
            return dict(img_path='/other.jpg', bbox=np.array([1., 2, 3, 4]),
                        frame_id=7, video_name='o', dataset_name='x')

    t = TridentSampling(cls_pos_prob=0.0)
    out = t(video_record(np.ones(40, bool), frame_source=Source()))
    assert calls and out['gt_label'] == 0
    assert out['img_path'][2] == '/other.jpg'
    np.testing.assert_array_equal(out['gt_bboxes'][2], [1, 2, 3, 4])


def test_random_frame_may_be_invisible(synth_root):
    ds = GOT10kDataset(data_root=synth_root, split='train')
    np.random.seed(0)
    frames = [ds.sample_random_frame() for _ in range(300)]
    ids = {(f['video_name'], f['frame_id']) for f in frames}
    assert len(ids) > 30  # any frame of the video (allow_invisible=True)
    usable = {ds.get_video(i)['video_name']
              for i in ds.usable_video_indices(3)}
    assert {f['video_name'] for f in frames} <= usable


# ---------------------------------------------------------- causal (STARK-S)
def test_causal_search_after_the_template_within_the_gap():
    """'causal': base in [T - 1, N - 1), search in (base, base + gap)."""
    vis = np.ones(600, bool)
    for template, search in _draw(CausalSampling(max_gap=200), vis):
        assert 0 <= template < 599 and template < search < template + 200


def test_causal_grows_the_gap_until_a_search_frame_is_found():
    vis = np.zeros(300, bool)
    vis[:10] = True
    vis[280:] = True
    pairs = _draw(CausalSampling(max_gap=5, max_tries=200), vis, 100)
    assert all(vis[t] and vis[s] and t < s for t, s in pairs)


# ------------------------------------------------- mixing, retries, epochs
class _Pipelined:
    """A minimal training dataset: ``prepare_data`` runs ``accept``."""

    def __init__(self, name, n, accept=lambda i: True, usable=None):
        self.dataset_name = name
        self.data_root = name
        self.n = n
        self.accept = accept
        self.usable = np.arange(n) if usable is None else np.asarray(usable)
        self.pipeline = None
        self.metainfo = dict(dataset_name=name)
        self.calls = []

    def full_init(self):
        pass

    def __len__(self):
        return self.n

    def training_videos(self):
        return self.usable

    def prepare_data(self, idx):
        self.calls.append(idx)
        return (self.dataset_name, idx) if self.accept(idx) else None


def test_ratios_pick_the_dataset_independent_of_its_size():
    """random.choices(datasets, p_datasets): DATASETS_RATIO, not sizes."""
    a, b = _Pipelined('a', 5), _Pipelined('b', 5000)
    mix = RandomSampleConcatDataset([a, b], weights=[1, 1])
    names = [mix[i][0] for i in range(2000)]
    assert 0.45 < np.mean([n == 'a' for n in names]) < 0.55


def test_rejected_sample_draws_the_dataset_again():
    """The official retry loop re-runs random.choices over the datasets: a
    dataset whose samples are often invalid gives fewer accepted samples.
    """
    a = _Pipelined('a', 100, accept=lambda i: i % 4 == 0)  # 1/4 accepted
    b = _Pipelined('b', 100)
    mix = RandomSampleConcatDataset([a, b], weights=[1, 1])
    names = [mix[i][0] for i in range(3000)]
    # official: P(a) = (1/2 * 1/4) / (1/2 * 1/4 + 1/2) = 0.2
    assert 0.17 < np.mean([n == 'a' for n in names]) < 0.23


def test_only_usable_videos_are_drawn():
    """sample_seq_from_dataset redraws the sequence (same dataset) until it
    has enough visible frames: uniform over the usable videos."""
    a = _Pipelined('a', 10, usable=[2, 7])
    mix = RandomSampleConcatDataset([a])
    assert {mix[i][1] for i in range(100)} == {2, 7}


def test_mix_is_deterministic_per_index():
    a = _Pipelined('a', 50, accept=lambda i: i % 3 == 0)
    b = _Pipelined('b', 50)
    mix = RandomSampleConcatDataset([a, b], weights=[2, 1], seed=4)
    first = [mix[i] for i in range(200)]
    assert [mix[i] for i in range(200)] == first


def test_hopeless_items_raise_a_clear_error():
    a = _Pipelined('a', 3, accept=lambda i: False)
    mix = RandomSampleConcatDataset([a], max_refetch=20)
    with pytest.raises(RuntimeError, match='after 20 attempts'):
        mix[0]


def test_samples_per_epoch_are_split_over_the_ranks():
    """DistributedSampler over SAMPLE_PER_EPOCH (60000) items: each of 8
    ranks sees 7500 samples, 468 full batches of 16 (drop_last=True)."""
    with mock.patch('stark_plugin.datasets.samplers.quota_sampler.'
                    'get_dist_info', return_value=(3, 8)):
        s = QuotaSampler(range(10), samples_per_epoch=60000, seed=0)
    assert len(s) == 7500
    cfg = Config.fromfile(osp.join(CONFIG_DIR,
                                   'stark_st1_r50_500e_got10k.py'))
    loader = cfg.train_dataloader
    assert loader.drop_last and loader.batch_size == 16
    assert len(s) // loader.batch_size == 468
