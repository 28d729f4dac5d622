"""tools/train.py pins training batches only where CUDA is available."""
import torch
from mmengine.config import Config

from stark_plugin.engine.launch import pin_memory_on_cuda


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
