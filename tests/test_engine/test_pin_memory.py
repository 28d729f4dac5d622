"""tools/train.py pins training batches only where CUDA is available, and
runs a loader set to ``num_workers=0`` although the config keeps its
workers persistent."""
import os.path as osp

import torch
from mmengine.config import Config

from stark_plugin.engine.launch import (no_persistent_workers_without_workers,
                                        pin_memory_on_cuda)

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
