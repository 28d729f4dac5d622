"""Building the Runner from the tools, including multi-process on CPU."""
import logging
import os

import torch
import torch.distributed as torch_dist
from mmengine.config import Config
from mmengine.logging import print_log
from mmengine.registry import RUNNERS
from mmengine.runner import Runner


def prepare_cpu_distributed(cfg: Config) -> None:
    """Make ``--launcher pytorch`` work without CUDA (gloo backend).

    mmengine 0.10.7 calls ``torch.cuda.set_device`` while initialising the
    process group and wraps the model in DDP with ``device_ids=[rank]``;
    both fail on a CPU-only machine. Here the gloo group is created first
    (mmengine then skips its own init) and the DDP wrapper gets no device ids.
    """
    if cfg.get('launcher', 'none') != 'pytorch' or torch.cuda.is_available():
        return
    dist_cfg = cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
    if dist_cfg.get('backend', 'gloo') != 'gloo':
        print_log(f'no CUDA device: using the gloo backend instead of '
                  f'{dist_cfg["backend"]}', logger='current',
                  level=logging.WARNING)
    dist_cfg['backend'] = 'gloo'
    if not torch_dist.is_initialized():
        torch_dist.init_process_group(
            backend='gloo', rank=int(os.environ['RANK']),
            world_size=int(os.environ['WORLD_SIZE']))
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel', broadcast_buffers=False,
        find_unused_parameters=cfg.get('find_unused_parameters', False))
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper


def build_runner(cfg: Config) -> Runner:
    """``RUNNERS.build`` when the config names a runner type, else Runner."""
    prepare_cpu_distributed(cfg)
    if 'runner_type' in cfg:
        return RUNNERS.build(cfg)
    return Runner.from_cfg(cfg)
