"""The tiny STARK-ST of tests/data/configs with random weights and random
BatchNorm statistics: the model of the speed-path tests (benchmark, ONNX
and int8 backends, the lean inference path)."""
import logging
import os.path as osp

import torch

TESTS = osp.dirname(osp.abspath(__file__))
TINY = osp.join(TESTS, 'data', 'configs', 'stark_st_tiny.py')


def randomize_norms(model: torch.nn.Module, seed: int = 0) -> None:
    """Non-trivial statistics in every (frozen) BatchNorm, so that folding
    them into the convolutions is actually tested."""
    from torch.nn.modules.batchnorm import _BatchNorm

    from stark_plugin.models import FrozenBatchNorm2d
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (FrozenBatchNorm2d, _BatchNorm)):
                n = m.running_mean.numel()
                m.weight.copy_(torch.rand(n, generator=g) + 0.5)
                m.bias.copy_(torch.randn(n, generator=g) * 0.1)
                m.running_mean.copy_(torch.randn(n, generator=g) * 0.1)
                m.running_var.copy_(torch.rand(n, generator=g) * 1.5 + 0.5)


def build_tiny(cfg_options=None) -> torch.nn.Module:
    """The tiny model (eval) with seed-0 random weights. The seed is set
    before construction: parameters that ``init_weights`` leaves alone
    (e.g. the FFN biases) keep their construction-time values, and torch's
    start-up seed differs between processes."""
    from mmengine.logging import MMLogger

    from stark_plugin.apis import init_model
    torch.manual_seed(0)
    model = init_model(TINY, cfg_options=cfg_options)
    MMLogger.get_current_instance().setLevel(logging.ERROR)
    torch.manual_seed(0)
    model.init_weights()
    return model.eval()


def build_tiny_random_norms(cfg_options=None) -> torch.nn.Module:
    """:func:`build_tiny` with :func:`randomize_norms`."""
    model = build_tiny(cfg_options)
    randomize_norms(model)
    return model
