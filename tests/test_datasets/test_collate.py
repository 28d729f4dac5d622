"""sot_collate: batches stacked in the data worker reach the model as the
same tensors as mmengine's pseudo_collate batches."""
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope

from stark_plugin.datasets import sot_collate, sot_worker_init
from stark_plugin.models.data_preprocessors import StarkDataPreprocessor
from stark_plugin.registry import DATASETS
from stark_plugin.structures.sot_batch import (BATCH_FIELDS, PACKED_BLOCK,
                                               PACKED_LAYOUT, pack_stacks,
                                               unpack_batch)

CFG = osp.join(osp.dirname(__file__), '..', '..', 'configs', '_base_',
               'datasets', 'got10k_stark_st2.py')


@pytest.fixture(scope='module')
def samples(synth_root):
    init_default_scope('stark_plugin')
    cfg = Config.fromfile(CFG)
    ds_cfg = cfg.train_dataloader.dataset
    ds_cfg.update(data_root=synth_root)
    dataset = DATASETS.build(ds_cfg)
    # stage 2: gt_label on every sample, brightness, masks, boxes
    return [dataset[(1, 0, i)] for i in range(4)]


def _assert_same(a, b):
    assert a.dtype == b.dtype and a.shape == b.shape
    assert torch.equal(a, b)


def test_stacked_batch_is_few_tensors(samples):
    batch = sot_collate(samples)
    assert batch['inputs']['template'].shape[:2] == (4, 2)
    assert batch['inputs']['search'].shape[:2] == (4, 1)
    fields = batch[BATCH_FIELDS]
    assert set(fields) == {'template_masks', 'search_mask', 'template_bboxes',
                           'search_bbox', 'brightness', 'gt_label'}
    assert all(v.shape[0] == 4 for v in fields.values())
    # the samples keep their meta information and no tensor
    for light, full in zip(batch['data_samples'], samples):
        assert list(light.keys()) == []
        assert light.metainfo == full['data_samples'].metainfo


def test_preprocessor_sees_the_same_tensors(samples):
    pre = StarkDataPreprocessor()
    old = pre(pseudo_collate(samples), training=True)
    new = pre(sot_collate(samples), training=True)
    assert set(old['inputs']) == set(new['inputs'])
    for key in old['inputs']:
        _assert_same(old['inputs'][key], new['inputs'][key])
    for a, b in zip(old['data_samples'], new['data_samples']):
        assert set(a.keys()) == set(b.keys())
        for key in a.keys():
            _assert_same(a.get(key), b.get(key))
        assert a.metainfo == b.metainfo


def test_field_missing_on_a_sample_stays_on_the_samples(samples):
    mixed = [dict(inputs=s['inputs'], data_samples=s['data_samples'].clone())
             for s in samples]
    del mixed[1]['data_samples'].gt_label
    batch = sot_collate(mixed)
    assert 'gt_label' not in batch[BATCH_FIELDS]
    assert 'gt_label' in batch['data_samples'][0]
    assert 'gt_label' not in batch['data_samples'][1]
    pre = StarkDataPreprocessor()
    old = pre(pseudo_collate(mixed), training=True)
    new = pre(batch, training=True)
    for key in old['inputs']:
        _assert_same(old['inputs'][key], new['inputs'][key])


class _Listed(torch.utils.data.Dataset):

    def __init__(self, items):
        self.items = items

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


def test_a_worker_sends_one_block_per_batch(samples):
    """In a data worker the batch crosses the queue as one shared-memory
    tensor; unpacked, it is the batch of the main process, and the
    preprocessor gives the model the same tensors."""
    loader = torch.utils.data.DataLoader(
        _Listed(samples), batch_size=len(samples), num_workers=1,
        collate_fn=sot_collate, multiprocessing_context='fork', timeout=60)
    packed = next(iter(loader))
    assert set(packed) == {PACKED_BLOCK, PACKED_LAYOUT, 'data_samples'}
    assert packed[PACKED_BLOCK].dtype == torch.uint8
    assert packed[PACKED_BLOCK].is_shared()
    batch = unpack_batch(packed)
    local = sot_collate(samples)
    assert set(batch) == set(local)
    for group in ('inputs', BATCH_FIELDS):
        assert set(batch[group]) == set(local[group])
        for key in local[group]:
            _assert_same(batch[group][key], local[group][key])
    pre = StarkDataPreprocessor()
    old = pre(pseudo_collate(samples), training=True)
    new = pre(packed, training=True)
    for key in old['inputs']:
        _assert_same(old['inputs'][key], new['inputs'][key])
    for a, b in zip(old['data_samples'], new['data_samples']):
        for key in a.keys():
            _assert_same(a.get(key), b.get(key))
        assert a.metainfo == b.metainfo


def test_pack_keeps_dtypes_shapes_and_values():
    gen = torch.Generator().manual_seed(0)
    groups = {
        'a': {'u8': [torch.randint(0, 255, (3, 5), generator=gen,
                                   dtype=torch.uint8) for _ in range(3)],
              'f32': [torch.randn(7, generator=gen) for _ in range(3)]},
        'b': {'flag': [torch.rand(2, 3, generator=gen) > 0.5
                       for _ in range(3)],
              'i64': [torch.randint(-9, 9, (1, ), generator=gen)
                      for _ in range(3)]},
    }
    block, layout = pack_stacks(groups)
    assert block.is_shared() and block.dtype == torch.uint8
    assert all(entry[-1] % 64 == 0 for entry in layout)  # aligned
    out = unpack_batch({PACKED_BLOCK: block, PACKED_LAYOUT: layout,
                        'other': 1})
    assert out['other'] == 1
    for group, stacks in groups.items():
        for key, values in stacks.items():
            _assert_same(out[group][key], torch.stack(values))


def test_crops_of_different_sizes_fall_back_to_pseudo_collate(samples):
    odd = dict(samples[1])
    odd['inputs'] = dict(template=samples[1]['inputs']['template'][..., :8],
                         search=samples[1]['inputs']['search'])
    batch = sot_collate([samples[0], odd])
    assert BATCH_FIELDS not in batch
    assert isinstance(batch['inputs']['template'], list)


def test_worker_init_uses_one_thread():
    before_cv, before_torch = cv2.getNumThreads(), torch.get_num_threads()
    try:
        cv2.setNumThreads(4)
        torch.set_num_threads(2)
        sot_worker_init(0)
        assert cv2.getNumThreads() == 1
        assert torch.get_num_threads() == 1
    finally:
        cv2.setNumThreads(before_cv)
        torch.set_num_threads(before_torch)


class _Resize(torch.utils.data.Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        img = np.full((600, 800, 3), i, np.uint8)
        return cv2.getNumThreads(), int(cv2.resize(img, (320, 320)).sum())


def test_worker_init_after_the_parent_used_opencv_threads():
    """A forked worker must not wait for OpenCV pool threads that the fork
    did not copy (cv2.setNumThreads(1) there hangs with OpenCV's pthreads
    pool)."""
    before = cv2.getNumThreads()
    try:
        cv2.setNumThreads(2)
        img = np.zeros((480, 640, 3), np.uint8)
        for _ in range(5):  # the parent's pool is up
            cv2.resize(img, (320, 320))
        loader = torch.utils.data.DataLoader(
            _Resize(), batch_size=2, num_workers=1, timeout=60,
            worker_init_fn=sot_worker_init,
            multiprocessing_context='fork')
        threads = [int(t) for b in loader for t in b[0]]
    finally:
        cv2.setNumThreads(before)
    assert threads == [1] * 4
