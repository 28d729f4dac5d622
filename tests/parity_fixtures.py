"""Shared assets of the parity tests against the official STARK outputs.

Everything is built from the copy of the reference fixture in
``tests/data/reference``: the manifest's state dict is materialised, saved
in the official ``.pth.tar`` format (with stub objects of the official
``lib`` package pickled in, as real files have), converted with the
converter CLI, and loaded into a model built from this package's config.
Built once per test session (the ``parity`` fixture in conftest.py).
"""
import contextlib
import json
import os
import os.path as osp
import sys
import types
from collections import OrderedDict
from typing import Dict

import cv2
import numpy as np
import torch

TESTS_DIR = osp.dirname(osp.abspath(__file__))
REPO_ROOT = osp.dirname(TESTS_DIR)
REF_DIR = osp.join(TESTS_DIR, 'data', 'reference')

VARIANTS = {
    'st50': dict(
        manifest='manifest_stark_st50.json',
        checksums='checksums_stark_st50.json',
        # the fixture's tracker used the VOT20 interval (10)
        config='configs/sot/stark/stark_st2_r50_50e_got10k.py',
        cfg_options={'model.test_cfg.update_intervals': [10]}),
    's50': dict(
        manifest='manifest_stark_s50.json',
        checksums='checksums_stark_s50.json',
        config='configs/sot/stark/stark_s_r50_500e_got10k.py',
        cfg_options=None),
    'lightning': dict(
        manifest='manifest_stark_lightning.json',
        checksums='checksums_stark_lightning.json',
        config='configs/sot/stark/stark_lightning_x_trt_got10k.py',
        cfg_options=None,
        extras=dict(epoch=500, actor_type='STARKLightningXtrtActor',
                    net_type='STARKLightningXtrt')),
}

LIB_CLASSES = {
    'lib.train.admin.settings': 'Settings',
    'lib.train.admin.stats': 'AverageMeter',
    'lib.models.stark.stark_st': 'NetConstructor',
}


@contextlib.contextmanager
def official_lib_stubs():
    """Temporarily importable ``lib.*`` classes, to pickle objects of the
    official code into a checkpoint (removed again on exit)."""
    added = []
    classes = {}
    for module_name, cls_name in LIB_CLASSES.items():
        parts = module_name.split('.')
        for i in range(1, len(parts) + 1):
            name = '.'.join(parts[:i])
            if name not in sys.modules:
                sys.modules[name] = types.ModuleType(name)
                added.append(name)
        cls = type(cls_name, (), {'__module__': module_name})
        setattr(sys.modules[module_name], cls_name, cls)
        classes[cls_name] = cls
    try:
        yield classes
    finally:
        for name in reversed(added):
            sys.modules.pop(name, None)


def official_extras(classes: dict, **overrides) -> dict:
    settings = classes['Settings']()
    settings.script_name = 'stark_st2'
    settings.local_rank = -1
    meter = classes['AverageMeter']()
    meter.avg, meter.count = 0.25, 10
    ctor = classes['NetConstructor']()
    ctor.fun_name = 'build_starkst'
    extras = dict(
        epoch=50,
        actor_type='STARKSTActor',
        net_type='STARKST',
        constructor=ctor,
        settings=settings,
        stats=OrderedDict(train=OrderedDict(Loss=meter)))
    extras.update(overrides)
    return extras


def to_mmtrack_layout(ours: 'OrderedDict') -> 'OrderedDict':
    """Our layout -> mmtracking 0.x layout (mmcv-1.x transformer names,
    BN num_batches_tracked in the backbone), written independently of the
    converter to test it."""
    out = OrderedDict()
    for key, value in ours.items():
        k = key.replace('.self_attn.attn.', '.attentions.0.attn.')
        k = k.replace('.cross_attn.attn.', '.attentions.1.attn.')
        k = k.replace('.ffn.layers.', '.ffns.0.layers.')
        out[k] = value
        if key.startswith('backbone.') and key.endswith('.running_var'):
            out[key[:-len('running_var')] + 'num_batches_tracked'] = \
                torch.tensor(0)
    return out


def crop_names(ref: dict) -> list:
    """The crops a network fixture holds (``z``, ``z1``, ``z2``, ...,
    read from its arrays), templates first and the search ``x`` last."""
    names = sorted(k[:-len('_crop_uint8')] for k in ref
                   if k.endswith('_crop_uint8'))
    assert 'x' in names, names
    return [n for n in names if n != 'x'] + ['x']


class ParityAssets:
    """Lazily built, cached state dicts, checkpoints and models."""

    def __init__(self, tmp: str) -> None:
        self.tmp = tmp  # checkpoints written here (~0.4 GB); caller cleans
        self._sd: Dict[str, OrderedDict] = {}
        self._official: Dict[str, str] = {}
        self._converted: Dict[str, str] = {}
        self._models: Dict[str, object] = {}
        self._network: Dict[str, dict] = {}
        self._frames = None

    def state_dict(self, name: str) -> OrderedDict:
        if name not in self._sd:
            from stark_plugin.models.synthetic_weights import \
                materialize_manifest
            v = VARIANTS[name]
            with open(osp.join(REF_DIR, 'weights', v['checksums'])) as f:
                sums = json.load(f)['per_key_sha256']
            self._sd[name] = materialize_manifest(
                osp.join(REF_DIR, 'weights', v['manifest']), sums)
        return self._sd[name]

    def official_checkpoint(self, name: str) -> str:
        if name not in self._official:
            from stark_plugin.models.synthetic_weights import \
                save_official_format
            path = osp.join(self.tmp, f'STARK_{name}_ep0050.pth.tar')
            with official_lib_stubs() as classes:
                save_official_format(
                    self.state_dict(name), path,
                    official_extras(classes,
                                    **VARIANTS[name].get('extras', {})))
            self._official[name] = path
        return self._official[name]

    def mmtrack_checkpoint(self, name: str) -> str:
        """The official weights in mmtracking 0.x's file layout."""
        path = osp.join(self.tmp, f'mmtrack_{name}.pth')
        if not osp.isfile(path):
            from stark_plugin.checkpoint.converters import \
                convert_official_state_dict
            ours = convert_official_state_dict(self.state_dict(name))
            torch.save(dict(state_dict=to_mmtrack_layout(ours),
                            meta=dict(epoch=50)), path)
        return path

    def converted_checkpoint(self, name: str) -> str:
        if name not in self._converted:
            sys.path.insert(0, osp.join(REPO_ROOT, 'tools',
                                        'model_converters'))
            try:
                import stark_official_to_plugin as cli
            finally:
                sys.path.pop(0)
            dst = osp.join(self.tmp, f'stark_{name}_converted.pth')
            assert cli.main([self.official_checkpoint(name), dst]) == 0
            self._converted[name] = dst
        return self._converted[name]

    def model(self, name: str):
        if name not in self._models:
            from stark_plugin.apis import init_model
            v = VARIANTS[name]
            self._models[name] = init_model(
                osp.join(REPO_ROOT, v['config']),
                self.converted_checkpoint(name),
                cfg_options=v['cfg_options'])
        return self._models[name]

    def network_ref(self, name: str) -> dict:
        if name not in self._network:
            npz = np.load(osp.join(REF_DIR, f'network_stark_{name}.npz'))
            arrays = {k: npz[k] for k in npz.files}
            with open(osp.join(REF_DIR, f'network_stark_{name}.json')) as f:
                arrays['json'] = json.load(f)
            self._network[name] = arrays
        return self._network[name]

    def tracker_ref(self, name: str) -> dict:
        with open(osp.join(REF_DIR, f'tracker_stark_{name}.json')) as f:
            return json.load(f)

    def frames_bgr(self):
        """The 40 frames as ``cv2.imread`` returns them (BGR)."""
        if self._frames is None:
            folder = osp.join(REF_DIR, 'sequence', 'frames')
            names = sorted(f for f in os.listdir(folder)
                           if f.endswith('.png'))
            self._frames = [
                cv2.imread(osp.join(folder, f)) for f in names
            ]
            assert all(f is not None for f in self._frames)
        return self._frames
