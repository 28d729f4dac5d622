"""tools/train.py pins training batches only where CUDA is available,
runs a loader set to ``num_workers=0`` although the config keeps its
workers persistent, and sizes the workers' block pools to the loader's
prefetching."""
import copy
import os.path as osp

import torch
from mmengine.config import Config

from stark_plugin.benchmarking.training import build_loader
from stark_plugin.datasets.collate import sot_collate
from stark_plugin.datasets.synthetic import make_synthetic_got10k
from stark_plugin.engine.launch import (no_persistent_workers_without_workers,
                                        pin_memory_on_cuda, size_block_pool)

TINY_ST1 = osp.join(osp.dirname(__file__), '..', '..', 'configs', 'sot',
                    'stark', 'stark_st1_tiny_synth.py')


def test_pin_memory_follows_cuda_unless_set():
    cfg = Config(dict(train_dataloader=dict(batch_size=2)))
    pin_memory_on_cuda(cfg)
    assert cfg.train_dataloader.pin_memory is torch.cuda.is_available()
    cfg = Config(dict(train_dataloader=dict(pin_memory=True)))
    pin_memory_on_cuda(cfg)
    assert cfg.train_dataloader.pin_memory is True
    cfg = Config(dict(test_dataloader=dict(batch_size=1)))
    pin_memory_on_cuda(cfg)  # no training loader: nothing to do
    assert 'train_dataloader' not in cfg


def test_persistent_workers_only_with_workers():
    cfg = Config.fromfile(TINY_ST1)
    assert cfg.train_dataloader.persistent_workers
    cfg.merge_from_dict({'train_dataloader.num_workers': 0})
    no_persistent_workers_without_workers(cfg)
    assert cfg.train_dataloader.persistent_workers is False
    # loaders with workers keep the config's setting
    cfg = Config(dict(train_dataloader=dict(num_workers=2,
                                            persistent_workers=True),
                      test_dataloader=dict(num_workers=0),
                      val_dataloader=None))
    no_persistent_workers_without_workers(cfg)
    assert cfg.train_dataloader.persistent_workers is True
    assert 'persistent_workers' not in cfg.test_dataloader


def test_block_pool_follows_prefetch_factor(tmp_path):
    data = str(tmp_path / 'data')
    make_synthetic_got10k(data, num_videos=1, num_frames=8, seed=0,
                          size=(96, 72))
    cfg = Config.fromfile(TINY_ST1)
    assert 'block_pool_size' not in cfg.train_dataloader.collate_fn
    cfg.merge_from_dict({'train_dataloader.prefetch_factor': 4,
                         'train_dataloader.dataset.data_root': data})
    loader = build_loader(cfg, num_workers=1, batch_size=2, samples=4)
    assert loader.prefetch_factor == 4
    assert loader.collate_fn.keywords == {'block_pool_size': 6}
    # the function itself (pure-Python configs) and an unscoped name
    for kind in (sot_collate, 'sot_collate'):
        loader_cfg = dict(prefetch_factor=3, collate_fn=dict(type=kind))
        size_block_pool(loader_cfg)
        assert loader_cfg['collate_fn']['block_pool_size'] == 5
    # a size the config gives, other collate functions and loaders
    # without a prefetch_factor are left as they are
    for loader_cfg in (
            dict(prefetch_factor=4, collate_fn=dict(
                type='stark_plugin.sot_collate', block_pool_size=0)),
            dict(prefetch_factor=4, collate_fn=dict(type='pseudo_collate')),
            dict(collate_fn=dict(type='sot_collate'))):
        before = copy.deepcopy(loader_cfg)
        size_block_pool(loader_cfg)
        assert loader_cfg == before
