#!/usr/bin/env python
"""Check that stark_plugin trains exactly as the official STARK code does.

Example::

    python tools/analysis/check_training_parity.py \\
        --fixture tests/data/reference/train --json parity.json

The fixture folder holds outputs of the official training code (format:
``tests/data/reference/train/README.md``): the processing of a few samples
with recorded jitter draws, one stage-1 step, optionally the same step with
the corner head's BatchNorm in eval mode, one stage-2 step and the official
training settings. Its weights and frames are ``../weights/`` and
``../sequence/frames/`` next to it. Everything (sample count, batch
composition, labels, stored tensors, sizes) is read from the folder.

Each check runs the code ``tools/train.py`` runs:

* processing: the shipped stage-1 config's ``train_pipeline`` after its
  frame sampler (the fixture fixes the frames), with the fixture's random
  switches (flip / grayscale probability, brightness jitter) and its jitter
  draws replayed through ``SeqBboxJitter``'s ``jitter_draws`` seam;
* the batch: ``PackSOTInputs`` + mmengine's ``pseudo_collate`` + the
  model's data preprocessor;
* the step: the model built from the shipped R50 config with every dropout
  set to 0 by config overrides (as ``--cfg-options`` would), the fixture's
  official weights loaded through the checkpoint converter, ``train()``
  mode, and ``model.train_step`` with the ``OptimWrapper`` mmengine builds
  from the config's ``optim_wrapper`` (AdamW, parameter groups, clipping);
* the settings: the shipped configs against ``facts.json``.

Prints one table (check, measured, tolerance, pass) and exits 1 on any
failing row or on a fixture it cannot read fully. Tolerances are the
fixture README's suggestions.

Kernels: on CPU the steps run with torch's native convolution kernels
(oneDNN off; ``--mkldnn`` turns it on). The reason is the fixture, not the
code: in its stage-1 step the corner head's train-mode BatchNorm backward
cancels most of its incoming gradient, which amplifies float32 rounding
differences about 100-fold, and oneDNN's convolution kernels round
differently per CPU instruction set. Measured on an AVX2 CPU: the clipping
total norm is 1.6e-3 (relative) off the official value with oneDNN and
8e-6 with the native kernels, the same as a float64 run of this code.
"""
import argparse
import copy
import logging
import glob
import json
import os.path as osp
import sys
import warnings
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

REPO_ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))

import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.dataset import pseudo_collate  # noqa: E402
from mmengine.logging import MessageHub, MMLogger  # noqa: E402
from mmengine.optim import build_optim_wrapper  # noqa: E402
from torch import nn  # noqa: E402

from stark_plugin.datasets.transforms import (  # noqa: E402
    CheckPadMaskValidity, PackSOTInputs, SeqBboxJitter, SeqCropLikeStark,
    SeqRandomFlip, crop_too_small)
from stark_plugin.checkpoint.converters import (  # noqa: E402
    convert_official_state_dict, official_key_to_plugin)
from stark_plugin.models.synthetic_weights import \
    materialize_manifest  # noqa: E402
from stark_plugin.registry import MODELS, TRANSFORMS  # noqa: E402
from stark_plugin.setup_env import register_all_modules  # noqa: E402
from stark_plugin.fileio.atomic import atomic_write_json  # noqa: E402

CONFIG_DIR = osp.join(REPO_ROOT, 'configs', 'sot', 'stark')
DEFAULT_CONFIGS = dict(
    st1=osp.join(CONFIG_DIR, 'stark_st1_r50_500e_got10k.py'),
    st2=osp.join(CONFIG_DIR, 'stark_st2_r50_50e_got10k.py'))
#: configs that train on the official dataset mix (facts: datasets, ratios)
MIX_CONFIGS = dict(
    st1=osp.join(CONFIG_DIR, 'stark_st1_r50_500e_lasot.py'),
    st2=osp.join(CONFIG_DIR, 'stark_st2_r50_50e_lasot.py'))
#: config keys (at any depth of ``model``) that hold a dropout probability
DROPOUT_KEYS = ('attn_drop', 'proj_drop', 'ffn_drop', 'drop_prob', 'dropout')
#: official dataset names -> (our dataset type, split)
OFFICIAL_DATASETS = {
    'LASOT': ('LaSOTDataset', 'train'),
    'GOT10K_vottrain': ('GOT10kDataset', 'vot_train'),
    'GOT10K_train_full': ('GOT10kDataset', 'train'),
    'COCO17': ('SOTCocoDataset', 'train'),
    'TRACKINGNET': ('TrackingNetDataset', 'train'),
}


class FixtureError(Exception):
    """The fixture folder is missing something or is inconsistent."""


# ---------------------------------------------------------------------------
# report


class Report:
    """Rows of (check, measured, tolerance, passed)."""

    def __init__(self) -> None:
        self.rows: List[Dict[str, Any]] = []

    def add(self, check: str, measured: float, tolerance: float,
            passed: Optional[bool] = None) -> None:
        measured = float(measured)
        if passed is None:
            passed = bool(np.isfinite(measured) and measured <= tolerance)
        self.rows.append(dict(check=check, measured=measured,
                              tolerance=float(tolerance),
                              passed=bool(passed)))

    def equal(self, check: str, ours: Any, official: Any) -> None:
        """An exact-match row (measured: 0 when equal, else 1)."""
        same = _same(ours, official)
        self.add(check, 0.0 if same else 1.0, 0.0, same)
        if not same:
            self.rows[-1]['detail'] = f'ours {ours!r} != official {official!r}'

    @property
    def passed(self) -> bool:
        return bool(self.rows) and all(r['passed'] for r in self.rows)

    def print(self) -> None:
        width = max(len(r['check']) for r in self.rows)
        print(f'{"check":<{width}}  {"measured":>11}  {"tolerance":>10}  '
              f'result')
        for r in self.rows:
            print(f'{r["check"]:<{width}}  {r["measured"]:>11.3g}  '
                  f'{r["tolerance"]:>10.3g}  '
                  f'{"pass" if r["passed"] else "FAIL"}')
            if not r['passed'] and r.get('detail'):
                print(f'    {r["detail"]}')
        failed = sum(not r['passed'] for r in self.rows)
        print(f'{len(self.rows) - failed} passed, {failed} failed')


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) or isinstance(b, float):
        try:
            return bool(np.isclose(float(a), float(b), rtol=1e-9, atol=0))
        except (TypeError, ValueError):
            return False
    return a == b


def max_abs(a, b) -> float:
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return float('inf')
    return float(np.max(np.abs(a - b))) if a.size else 0.0


def rel(a: float, b: float) -> float:
    return abs(float(a) - float(b)) / max(abs(float(b)), 1e-30)


# ---------------------------------------------------------------------------
# fixture


class Fixture:
    """The files of one fixture folder, validated on load."""

    def __init__(self, folder: str) -> None:
        self.folder = osp.abspath(folder)
        if not osp.isdir(self.folder):
            raise FixtureError(f'fixture folder not found: {folder}')
        self.processing = self._json('processing.json')
        self.proc = self._npz('processing.npz')
        self.facts = self._json('facts.json')
        self.steps = []
        for path in sorted(glob.glob(osp.join(self.folder, 'step_*.json'))):
            name = osp.basename(path)[:-5]
            self.steps.append((name, self._json(name + '.json'),
                               self._npz(name + '.npz')))
        if not any('st1' in s[0] for s in self.steps):
            raise FixtureError(f'{self.folder}: no stage-1 step file '
                               f'(step_st1*.json)')
        batch_file = next(s for s in self.steps if 'template_images' in s[2])
        self.batch = batch_file[2]
        sequence = osp.join(self.folder, '..', 'sequence')
        self.frames_dir = sequence
        self.frame_pattern = osp.join('frames', '%06d.png')
        if osp.isfile(osp.join(sequence, 'sequence.json')):
            with open(osp.join(sequence, 'sequence.json')) as f:
                self.frame_pattern = json.load(f).get('frame_files', '').split(
                    ' ')[0] or self.frame_pattern
        weights = osp.join(self.folder, '..', 'weights')
        manifests = glob.glob(osp.join(weights, 'manifest_stark_st*.json'))
        if len(manifests) != 1:
            raise FixtureError(f'expected one STARK-ST weights manifest in '
                               f'{weights}, found {len(manifests)}')
        self.manifest = manifests[0]
        checksums = self.manifest.replace('manifest_', 'checksums_')
        self.checksums = None
        if osp.isfile(checksums):
            with open(checksums) as f:
                self.checksums = json.load(f).get('per_key_sha256')
        self._check_shapes()

    def _json(self, name: str) -> dict:
        path = osp.join(self.folder, name)
        try:
            with open(path) as f:
                return json.load(f)
        except (OSError, ValueError) as err:
            raise FixtureError(f'cannot read {path}: {err}') from err

    def _npz(self, name: str) -> Dict[str, np.ndarray]:
        path = osp.join(self.folder, name)
        try:
            with np.load(path) as data:
                return {k: data[k] for k in data.files}
        except (OSError, ValueError) as err:
            raise FixtureError(f'cannot read {path}: {err}') from err

    def _check_shapes(self) -> None:
        need = ('frame_ids', 'anno_in', 'anno_after_joint', 'jitter_randn',
                'jitter_rand', 'jittered', 'crop_made', 'crop_sz',
                'crop_xy1', 'resize_factor', 'template_att', 'search_att',
                'template_att_down', 'search_att_down', 'box_crop_norm',
                'anno_out', 'rules', 'valid', 'rule_fired')
        missing = [k for k in need if k not in self.proc]
        if missing:
            raise FixtureError(f'processing.npz lacks {missing}')
        k, n = self.proc['frame_ids'].shape
        if self.processing.get('num_samples', k) != k:
            raise FixtureError('processing.json num_samples does not match '
                               'processing.npz')
        for key in ('anno_in', 'jittered', 'anno_out', 'box_crop_norm'):
            if self.proc[key].shape != (k, n, 4):
                raise FixtureError(f'processing.npz {key} has shape '
                                   f'{self.proc[key].shape}, expected '
                                   f'{(k, n, 4)}')
        for key in ('template_images', 'template_att', 'search_images',
                    'search_att', 'search_anno'):
            if key not in self.batch:
                raise FixtureError(f'the stage-1 step file lacks {key}')
        for i in np.unique(self.proc['frame_ids']):
            if not osp.isfile(self.frame_path(int(i))):
                raise FixtureError(f'frame {i} not found: '
                                   f'{self.frame_path(int(i))}')

    @property
    def num_samples(self) -> int:
        return int(self.proc['frame_ids'].shape[0])

    @property
    def num_templates(self) -> int:
        return int(self.proc['frame_ids'].shape[1]) - 1

    @property
    def batch_samples(self) -> List[int]:
        return [int(i) for i in self.processing['batch_samples']]

    def frame_path(self, i: int) -> str:
        return osp.join(self.frames_dir, self.frame_pattern % i)

    def crop_png(self, k: int, j: int) -> str:
        """The recorded crop of image ``j`` of sample ``k``."""
        images = self.processing['samples'][k].get('images', [])
        name = images[j].get('crop_png') if j < len(images) else None
        if not name:
            raise FixtureError(f'processing.json: sample {k} image {j} has '
                               f'a crop but no crop_png')
        return osp.join(self.folder, name)

    def used_transform(self, section: str, cls: str, key: str) -> float:
        used = self.processing.get('transforms', {}).get('used_for_fixture')
        if used is None:
            raise FixtureError('processing.json lacks transforms.'
                               'used_for_fixture (the random switches)')
        for t in used.get(section, []):
            if t.get('class') == cls:
                return float(t[key])
        raise FixtureError(f'processing.json: no {cls} in used_for_fixture.'
                           f'{section}')


# ---------------------------------------------------------------------------
# processing


def build_processing(cfg: Config, fixture: Fixture) -> List[Any]:
    """The config's training transforms after its frame sampler, with the
    fixture's random switches."""
    pipeline = copy.deepcopy(cfg.train_dataloader.dataset.pipeline)
    if not isinstance(pipeline, list):
        raise FixtureError('the config train pipeline is not a list')
    types = [t['type'] for t in pipeline]
    start = next((i + 1 for i, t in enumerate(types)
                  if t in ('TridentSampling', 'CausalSampling')), 0)
    switches = {
        ('GrayAug', None): ('transform_joint', 'ToGrayscale', 'probability',
                            'prob'),
        ('SeqRandomFlip', 'frames'): ('transform_joint',
                                      'RandomHorizontalFlip', 'probability',
                                      'prob'),
        ('BrightnessAug', None): ('transform_train', 'ToTensorAndJitter',
                                  'brightness_jitter', 'jitter'),
        ('SeqRandomFlip', 'crops'): ('transform_train',
                                     'RandomHorizontalFlip_Norm',
                                     'probability', 'prob'),
    }
    transforms = []
    for t in pipeline[start:]:
        key = (t['type'], t.get('stage') if t['type'] == 'SeqRandomFlip'
               else None)
        if key in switches:
            section, cls, official_key, ours = switches[key]
            value = fixture.used_transform(section, cls, official_key)
            if value != 0:
                raise FixtureError(f'the fixture ran {cls} with {official_key}'
                                   f'={value}: its draws are not recorded, so '
                                   f'it cannot be replayed')
            t[ours] = value
        transforms.append(TRANSFORMS.build(t))
    return transforms


def _find(transforms, cls, **attrs):
    for t in transforms:
        if isinstance(t, cls) and all(
                getattr(t, k) == v for k, v in attrs.items()):
            return t
    raise FixtureError(f'the config train pipeline has no {cls.__name__} '
                       f'{attrs or ""}')


def run_processing(transforms, fixture: Fixture) -> List[dict]:
    """Run every fixture sample through the transforms; per sample the
    snapshots the checks need and the packed sample (None if rejected)."""
    runs = []
    frames_flip = _find(transforms, SeqRandomFlip, stage='frames')
    crops_flip = _find(transforms, SeqRandomFlip, stage='crops')
    proc = fixture.proc
    for k in range(fixture.num_samples):
        ids = [int(i) for i in proc['frame_ids'][k]]
        results = dict(
            img_path=[fixture.frame_path(i) for i in ids],
            gt_bboxes=proc['anno_in'][k].astype(np.float64),
            frame_ids=ids,
            num_templates=fixture.num_templates,
            jitter_draws=dict(randn=proc['jitter_randn'][k],
                              rand=proc['jitter_rand'][k]))
        run: Dict[str, Any] = dict(packed=None, rejected_by=None)
        for t in transforms:
            out = t(results)
            if out is None:
                run['rejected_by'] = t
                break
            results = out
            if t is frames_flip:
                run['anno_after_joint'] = np.array(results['gt_bboxes'])
            elif isinstance(t, SeqBboxJitter):
                run['jittered'] = np.array(results['jittered_bboxes'])
                run['results'] = results
            elif isinstance(t, SeqCropLikeStark):
                run['crops'] = [c.copy() for c in results['img']]
                run['masks'] = [m.copy() for m in results['pad_mask']]
                run['box_crop_norm'] = np.array(results['crop_bboxes'])
                run['windows'] = np.array(results['crop_windows'])
                run['resize'] = np.array(results['resize_factors'])
            elif t is crops_flip:
                run['anno_out'] = np.array(results['crop_bboxes'])
                run['final_masks'] = [m.copy() for m in results['pad_mask']]
            elif isinstance(t, PackSOTInputs):
                run['packed'] = out
        runs.append(run)
    return runs


def check_processing(report: Report, transforms, fixture: Fixture,
                     runs: List[dict]) -> None:
    proc = fixture.proc
    crop_t = _find(transforms, SeqCropLikeStark)
    valid_t = _find(transforms, CheckPadMaskValidity)
    t = fixture.num_templates
    settings = fixture.processing['settings']
    ours = dict(
        template=(crop_t.template, _find(transforms, SeqBboxJitter).template),
        search=(crop_t.search, _find(transforms, SeqBboxJitter).search))
    for mode in ('template', 'search'):
        (factor, size), (cj, sj) = ours[mode]
        official = (settings['search_area_factor'][mode],
                    settings['output_sz'][mode],
                    settings['center_jitter_factor'][mode],
                    settings['scale_jitter_factor'][mode])
        report.equal(f'processing: {mode} factor, size, centre/scale jitter',
                     [float(factor), int(size), float(cj), float(sj)],
                     [float(v) if i != 1 else int(v)
                      for i, v in enumerate(official)])

    err = dict(joint=0.0, jitter=0.0, norm=0.0, out=0.0)
    geometry_bad = crops_bad = masks_bad = down_bad = rules_bad = 0
    n_crops = n_official_crops = 0
    verdicts, fired = [], []
    for k, run in enumerate(runs):
        made = proc['crop_made'][k]
        n_official_crops += int(made.sum())
        drawn = np.any(proc['jitter_randn'][k] != 0, axis=1)
        if 'anno_after_joint' in run:
            err['joint'] = max(err['joint'], max_abs(
                run['anno_after_joint'][drawn],
                proc['anno_after_joint'][k][drawn]))
        if 'jittered' in run:
            err['jitter'] = max(err['jitter'], max_abs(
                run['jittered'][drawn], proc['jittered'][k][drawn]))
        our_rules = np.zeros((t + 1, 3), bool)
        res = run.get('results')
        if res is not None:
            for j, ((factor, _), box) in enumerate(
                    zip(crop_t.settings(res), run['jittered'])):
                our_rules[j, 0] = crop_too_small(box, factor)
        if 'crops' in run:
            for j in range(t + 1):
                our_rules[j, 1:] = valid_t.rules(run['final_masks'][j])
                if not made[j]:
                    continue
                n_crops += 1
                png = cv2.imread(fixture.crop_png(k, j))
                if png is None or not np.array_equal(
                        run['crops'][j], png):
                    crops_bad += 1
                mask = run['masks'][j]
                ref = proc['template_att'][k, j] if j < t else \
                    proc['search_att'][k]
                down = proc['template_att_down'][k, j] if j < t else \
                    proc['search_att_down'][k]
                masks_bad += int(not np.array_equal(mask, ref))
                down_bad += int(not np.array_equal(
                    valid_t.feature_mask(run['final_masks'][j]), down))
                x1, y1, side = run['windows'][j]
                geometry_bad += int(
                    side != proc['crop_sz'][k, j]
                    or [x1, y1] != proc['crop_xy1'][k, j].tolist()
                    or run['resize'][j] != proc['resize_factor'][k, j])
                err['norm'] = max(err['norm'], max_abs(
                    run['box_crop_norm'][j], proc['box_crop_norm'][k, j]))
                err['out'] = max(err['out'], max_abs(
                    run['anno_out'][j], proc['anno_out'][k, j]))
        # rules: rule 1 wherever the official code jittered, 2 and 3 where
        # it cropped
        compare = np.zeros((t + 1, 3), bool)
        compare[drawn, 0] = True
        compare[made, 1:] = True
        rules_bad += int(np.any(our_rules[compare] != proc['rules'][k][
            compare]))
        verdicts.append(run['packed'] is not None)
        fired.append(_first_rule(our_rules, t) if run['packed'] is None
                     else 0)
    report.add('processing: box after the joint flip (px)', err['joint'],
               1e-4)
    report.add('processing: jittered boxes from the draws (px)',
               err['jitter'], 1e-4)
    report.add('processing: crop side, corner, resize factor (crops off)',
               geometry_bad, 0)
    report.add(f'processing: crops, exact ({n_crops} of '
               f'{n_official_crops} official crops)', crops_bad, 0,
               crops_bad == 0 and n_crops > 0)
    report.add('processing: attention masks, exact', masks_bad, 0)
    report.add('processing: masks on the feature map, exact', down_bad, 0)
    report.add('processing: box targets box_crop_norm', err['norm'], 1e-6)
    report.add('processing: box targets after the crop flip (anno_out)',
               err['out'], 1e-6)
    report.add('processing: validity rules per image', rules_bad, 0)
    report.equal('processing: verdicts (accepted samples)',
                 verdicts, [bool(v) for v in proc['valid']])
    report.equal('processing: rule that rejects each sample', fired,
                 [int(v) for v in proc['rule_fired']])


def _first_rule(rules: np.ndarray, t: int) -> int:
    """First failing rule in the official order: templates (rule 1, then
    2, then 3), then the search region."""
    for group in (range(t), range(t, t + 1)):
        for r in range(3):
            if any(rules[j, r] for j in group):
                return r + 1
    return 0


# ---------------------------------------------------------------------------
# batch


def make_batch(fixture: Fixture, runs: List[dict]) -> dict:
    samples = []
    for k in fixture.batch_samples:
        if runs[k]['packed'] is None:
            raise FixtureError(f'batch sample {k} was rejected by our '
                               f'pipeline; the step checks need it')
        samples.append(copy.deepcopy(runs[k]['packed']))
    return pseudo_collate(samples)


def check_batch(report: Report, model, batch: dict,
                fixture: Fixture) -> None:
    data = model.data_preprocessor(copy.deepcopy(batch), True)
    inputs, samples = data['inputs'], data['data_samples']
    ref = fixture.batch
    report.add('batch: template images (network input)', max_abs(
        inputs['template'].transpose(0, 1).numpy(), ref['template_images']),
               1e-6)
    report.add('batch: search images (network input)', max_abs(
        inputs['search'].transpose(0, 1).numpy(), ref['search_images']),
               1e-6)
    report.equal('batch: template masks, exact', bool(np.array_equal(
        inputs['template_mask'].transpose(0, 1).numpy(),
        ref['template_att'])), True)
    report.equal('batch: search masks, exact', bool(np.array_equal(
        inputs['search_mask'].transpose(0, 1).numpy(), ref['search_att'])),
                 True)
    anno = np.stack([s.search_bbox.numpy() for s in samples])[None]
    report.add('batch: search box targets (search_anno)',
               max_abs(anno, ref['search_anno']), 1e-6)


# ---------------------------------------------------------------------------
# model and step


def dropout_entries(node: Any, prefix: str = 'model'
                    ) -> List[Tuple[str, str, float]]:
    """``(dotted path, key, value)`` of every dropout probability in a
    config dict (keys in ``DROPOUT_KEYS``)."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            path = f'{prefix}.{key}'
            if key in DROPOUT_KEYS and isinstance(value, (int, float)) \
                    and not isinstance(value, bool):
                found.append((path, key, float(value)))
            else:
                found += dropout_entries(value, path)
    return found


def dropout_options(cfg: Config) -> Dict[str, float]:
    """``--cfg-options`` that set every dropout of ``cfg.model`` to 0."""
    return OrderedDict((path, 0.0) for path, _, value in
                       dropout_entries(cfg.model.to_dict()) if value)


def build_model(config: str, state_dict: Dict[str, torch.Tensor],
                head_bn: str):
    cfg = Config.fromfile(config)
    options = dropout_options(cfg)
    cfg.merge_from_dict(options)
    model = MODELS.build(cfg.model)
    converted = convert_official_state_dict(state_dict)
    model.load_state_dict(converted, strict=True)
    model.train()  # as the Runner's train loop does
    if head_bn == 'eval':
        for m in model.head.bbox_head.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.eval()
    return cfg, model, options


def active_dropout(model) -> int:
    count = 0
    for m in model.modules():
        if isinstance(m, nn.Dropout) and m.p > 0:
            count += 1
        if isinstance(m, nn.MultiheadAttention) and m.dropout > 0:
            count += 1
    return count


class StepRecorder:
    """Records the head outputs and every gradient before clipping."""

    def __init__(self, model) -> None:
        self.outputs: Dict[str, torch.Tensor] = {}
        self.grads: Dict[str, torch.Tensor] = {}
        self.handles = [model.head.register_forward_hook(self._head)]
        for name, p in model.named_parameters():
            if p.requires_grad:
                self.handles.append(p.register_post_accumulate_grad_hook(
                    lambda p, name=name: self.grads.__setitem__(
                        name, p.grad.detach().clone())))

    def _head(self, module, args, output) -> None:
        self.outputs = {k: v.detach().clone() for k, v in output.items()}

    def remove(self) -> None:
        for h in self.handles:
            h.remove()


def run_step(report: Report, name: str, info: dict, arrays: dict,
             config: str, state_dict, batch: dict, stage: str,
             mkldnn: bool = False) -> None:
    with torch.backends.mkldnn.flags(enabled=mkldnn):
        _run_step(report, name, info, arrays, config, state_dict, batch,
                  stage)


def _run_step(report: Report, name: str, info: dict, arrays: dict,
              config: str, state_dict, batch: dict, stage: str) -> None:
    cfg, model, options = build_model(config, state_dict,
                                      info.get('head_bn', 'train'))
    tag = f'{name}:'
    report.add(f'{tag} dropout modules left active after {len(options)} '
               f'config overrides', active_dropout(model), 0)
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    names = {n: official_key_to_plugin(n) for n in info['updates']}
    params = dict(model.named_parameters())
    missing = [n for n in names.values() if n not in params]
    if missing:
        raise FixtureError(f'{name}: official parameters without a '
                           f'counterpart: {missing[:5]}')
    official_keys = {official_key_to_plugin(k) for k in state_dict}
    report.equal(f'{tag} parameters without an official counterpart',
                 sorted(set(params) - official_keys), [])
    check_optimizer(report, tag, info, optim_wrapper, names, params)

    batch = copy.deepcopy(batch)
    if stage == 'st2':
        labels = np.asarray(arrays['label'], np.float32).reshape(-1)
        for sample, label in zip(batch['data_samples'], labels):
            sample.gt_label = torch.tensor([float(label)])
    before = {n: p.detach().clone() for n, p in params.items()}
    buffers_before = {n: b.detach().clone()
                      for n, b in model.named_buffers()}
    recorder = StepRecorder(model)
    log_vars = model.train_step(batch, optim_wrapper)
    recorder.remove()
    total_norm = MessageHub.get_current_instance().get_scalar(
        'train/grad_norm').current()
    out = recorder.outputs
    check_outputs(report, tag, info, arrays, log_vars, out, stage)
    report.add(f'{tag} gradient clipping total norm (relative)',
               rel(total_norm, info['grad_clip']['total_norm_before']),
               1e-3)
    check_grads(report, tag, info, arrays, recorder.grads, names,
                info['grad_clip']['total_norm_before'])
    check_updates(report, tag, info, arrays, before, params, names,
                  optim_wrapper)
    check_buffers(report, tag, info, arrays, buffers_before, model, stage)


def check_optimizer(report, tag, info, optim_wrapper, names, params):
    group_of = {}
    for group in optim_wrapper.optimizer.param_groups:
        for p in group['params']:
            group_of[id(p)] = group
    bad = checked = 0
    official = info['optimizer']['param_groups']
    reached = {n for n, g in info['grads'].items()
               if g.get('grad_l2') is not None}
    for g in official:
        for n in g['param_names']:
            if n not in reached:  # never updated (stage 1's score head)
                continue
            checked += 1
            ours = group_of.get(id(params[names[n]]))
            if ours is None or not all(
                    np.isclose(float(ours[k]), float(g[k]), rtol=1e-9)
                    for k in ('lr', 'weight_decay', 'eps')) or tuple(
                        ours['betas']) != tuple(g['betas']):
                bad += 1
    report.add(f'{tag} optimizer: lr, weight decay, betas, eps of each '
               f'parameter with a gradient ({checked})', bad, 0,
               bad == 0 and checked > 0)
    report.equal(f'{tag} optimizer type',
                 type(optim_wrapper.optimizer).__name__,
                 info['optimizer'].get('class', 'AdamW'))


def check_outputs(report, tag, info, arrays, log_vars, out, stage):
    lv = {k: float(torch.as_tensor(v).detach()) for k, v in log_vars.items()}
    if stage == 'st1':
        w = info['loss_weight']
        report.add(f'{tag} loss total (relative)',
                   rel(lv['loss'], info['loss_total']), 1e-5)
        report.add(f'{tag} L1 loss x weight (relative)',
                   rel(lv['loss_bbox'], w['l1'] * info['loss_l1']), 1e-5)
        giou = w['giou'] * info['loss_giou']
        report.add(f'{tag} GIoU loss x weight',
                   abs(lv['loss_iou'] - giou) / max(abs(giou), 1.0), 1e-5)
        report.add(f'{tag} mean IoU (logged)',
                   abs(lv['iou'] - info['status']['IoU']), 1e-5)
        boxes = out['pred_boxes']
        report.add(f'{tag} pred_boxes', max_abs(boxes.numpy(),
                                                arrays['pred_boxes']), 1e-5)
        degenerate = [i for i, b in enumerate(boxes.reshape(-1, 4))
                      if b[2] < 0 or b[3] < 0]
        path = info['giou_path']
        report.equal(f'{tag} GIoU fallback taken, degenerate boxes',
                     [lv['loss_iou'] != 0 or not degenerate, degenerate],
                     [path['computed'], path['degenerate_pred_boxes']])
    else:
        report.add(f'{tag} BCE loss (relative)',
                   rel(lv['loss_cls'], info['loss']), 1e-5)
        report.add(f'{tag} total loss (relative)',
                   rel(lv['loss'], info['loss']), 1e-5)
        report.add(f'{tag} pred_logits', max_abs(
            out['pred_logits'].numpy(), arrays['pred_logits']), 1e-4)
    report.add(f'{tag} decoder output hs', max_abs(out['hs'].numpy(),
                                                   arrays['hs']), 1e-4)


def _is_head(official_name: str) -> bool:
    return official_name.startswith(('box_head.', 'cls_head.'))


def check_grads(report, tag, info, arrays, grads, names, total):
    with_grad = sorted(n for n, g in info['grads'].items()
                       if g.get('grad_l2') is not None)
    ours_with_grad = sorted(n for n in names if names[n] in grads)
    report.equal(f'{tag} parameters with a gradient ({len(with_grad)})',
                 ours_with_grad, with_grad)
    worst_rel, worst_name, tiny_worst = 0.0, '', 0.0
    for n in with_grad:
        ref = info['grads'][n]['grad_l2']
        g = grads.get(names[n])
        if g is None:
            continue
        ours = float(g.double().norm())
        if ref < 1e-6 * total:  # mathematically zero: compare as tiny
            tiny_worst = max(tiny_worst, ours / total)
            continue
        r = rel(ours, ref)
        if r > worst_rel:
            worst_rel, worst_name = r, n
    report.add(f'{tag} grad_l2 of every parameter (relative; worst '
               f'{worst_name or "-"})', worst_rel, 1e-2)
    report.add(f'{tag} zero gradients stay tiny (grad_l2 / total norm)',
               tiny_worst, 1e-6)
    for head in (True, False):
        worst, worst_name = 0.0, '-'
        keys = [k[5:] for k in arrays if k.startswith('grad/')
                and _is_head(k[5:]) == head]
        for n in keys:
            ref = arrays['grad/' + n]
            g = grads.get(names[n])
            err = float('inf') if g is None else max_abs(
                g.numpy(), ref) / max(float(np.abs(ref).max()), 1e-30)
            if err >= worst:
                worst, worst_name = err, n
        if keys:
            part = 'head' if head else 'other'
            report.add(f'{tag} full gradients, {part} tensors ({len(keys)}; '
                       f'worst {worst_name}) / max|g|', worst,
                       1e-3 if head else 1e-2)


def check_updates(report, tag, info, arrays, before, params, names,
                  optim_wrapper):
    lr_of = {}
    for group in optim_wrapper.optimizer.param_groups:
        for p in group['params']:
            lr_of[id(p)] = float(group['lr'])
    worst, worst_name = 0.0, '-'
    changed_ours, changed_ref = [], []
    for n, upd in info['updates'].items():
        ours_name = names[n]
        delta = (params[ours_name].detach().double() -
                 before[ours_name].double())
        if upd.get('changed_elements', 0) > 0:
            changed_ref.append(n)
        if bool((delta != 0).any()):
            changed_ours.append(n)
        lr = lr_of.get(id(params[ours_name]), 0.0)
        err = abs(float(delta.norm()) - upd['update_l2'])
        scaled = err / lr if lr else (0.0 if err == 0 else float('inf'))
        if scaled >= worst:
            worst, worst_name = scaled, n
    report.add(f'{tag} update_l2 of every parameter, in units of its lr '
               f'(worst {worst_name})', worst, 0.5)
    report.equal(f'{tag} parameters changed by the step '
                 f'({len(changed_ref)})', sorted(changed_ours),
                 sorted(changed_ref))
    # parameters outside the official update table (stage 2 lists only the
    # score head): the official step left them unchanged
    frozen_changed = sorted(
        n for n in params if n not in names.values()
        and not torch.equal(params[n].detach(), before[n]))
    report.equal(f'{tag} parameters outside the update table changed',
                 frozen_changed, sorted(
                     official_key_to_plugin(n)
                     for n in info.get('frozen_parameters_changed', [])))
    big_err = small_err = 0.0
    for key in arrays:
        if not key.startswith('param_after/'):
            continue
        n = key[len('param_after/'):]
        ours = params[names[n]].detach().numpy()
        ref = arrays[key]
        g = arrays.get('grad/' + n)
        lr = lr_of.get(id(params[names[n]]), 0.0)
        if g is None:
            big_err = max(big_err, max_abs(ours, ref))
            continue
        big = np.abs(g) >= 0.01 * np.abs(g).max()
        diff = np.abs(ours.astype(np.float64) - ref)
        big_err = max(big_err, float(diff[big].max()) if big.any() else 0)
        if (~big).any():
            small_err = max(small_err, float(diff[~big].max()) / (2 * lr))
    report.add(f'{tag} parameters after AdamW where |g| >= 1% max|g|',
               big_err, 1e-6)
    report.add(f'{tag} parameters after AdamW elsewhere, in units of 2 lr',
               small_err, 1.0)


def check_buffers(report, tag, info, arrays, buffers_before, model, stage):
    buffers = dict(model.named_buffers())
    err, count_bad = 0.0, 0
    keys = [k for k in arrays if k.startswith('bn_after/')]
    for key in keys:
        n = key[len('bn_after/'):]
        err = max(err, max_abs(buffers[official_key_to_plugin(n)].numpy(),
                               arrays[key]))
    stats = info.get('box_head_bn_after_forward', {})
    for n, value in stats.items():
        if n.endswith('num_batches_tracked'):
            count_bad += int(int(buffers[official_key_to_plugin(n)]) !=
                             int(value))
    if keys:
        report.add(f'{tag} corner-head BatchNorm running statistics',
                   err, 1e-4)
        report.add(f'{tag} corner-head BatchNorm num_batches_tracked',
                   count_bad, 0)
    if stage == 'st2':
        changed = [n for n, b in buffers.items() if n in buffers_before
                   and not torch.equal(b, buffers_before[n])]
        report.equal(f'{tag} buffers changed (box head not run)', changed,
                     [])


# ---------------------------------------------------------------------------
# settings (facts.json)


def check_facts(report: Report, facts: dict, configs: Dict[str, str]) -> None:
    for stage in ('st1', 'st2'):
        if stage not in facts:
            continue
        f = {k: v['value'] for k, v in facts[stage].items()}
        cfg = Config.fromfile(configs[stage])
        tag = f'settings {stage}:'
        opt = cfg.optim_wrapper
        report.equal(f'{tag} optimizer, lr, weight decay', [
            opt.optimizer.type.upper(), opt.optimizer.lr,
            opt.optimizer.weight_decay
        ], [f['optimizer'].upper(), f['lr'], f['weight_decay']])
        mult = opt.get('paramwise_cfg', {}).get('custom_keys', {}).get(
            'backbone', {}).get('lr_mult', 1.0)
        report.equal(f'{tag} backbone lr multiplier', mult,
                     f['backbone_multiplier'])
        report.equal(f'{tag} gradient clipping max norm',
                     opt.get('clip_grad', {}).get('max_norm'),
                     f['grad_clip_norm'])
        sched = cfg.param_scheduler[0]
        report.equal(f'{tag} epochs, lr drop epoch, gamma', [
            cfg.train_cfg.max_epochs, list(sched.milestones), sched.gamma
        ], [f['epoch'], [f['lr_drop_epoch']], f['scheduler_decay_rate']])
        loader = cfg.train_dataloader
        report.equal(f'{tag} batch size, samples per epoch, drop_last', [
            loader.batch_size, loader.sampler.samples_per_epoch,
            loader.get('drop_last', False)
        ], [f['batch_size'], f['sample_per_epoch'], True])
        head = cfg.model.head
        if stage == 'st1':
            report.equal(f'{tag} loss weights GIoU, L1', [
                head.loss_iou.loss_weight, head.loss_bbox.loss_weight
            ], [f['giou_weight'], f['l1_weight']])
        else:
            report.equal(f'{tag} score loss: sigmoid BCE, weight 1', [
                head.loss_cls.type, head.loss_cls.use_sigmoid,
                head.loss_cls.loss_weight
            ], ['mmdet.CrossEntropyLoss', True, 1.0])
        trains_cls = cfg.model.train_cfg.get('stage') == 'st2'
        report.equal(f'{tag} trains the score head only (TRAIN_CLS)',
                     trains_cls, bool(f['train_cls']))
        report.equal(f'{tag} frozen modules in train mode (dropout on)',
                     cfg.model.train_cfg.get('frozen_eval', False), False)
        pipe = cfg.train_dataloader.dataset.pipeline
        sampler = pipe[0]
        report.equal(f'{tag} sampler mode, max interval, templates', [
            sampler.get('mode', 'trident_pro'),
            list(sampler.get('max_frame_range', [])),
            sampler.get('num_template_frames')
        ], [f['sampler_mode'], list(f['max_sample_interval']),
            f['template']['NUMBER']])
        if stage == 'st2':
            report.equal(f'{tag} positive probability', sampler.get(
                'cls_pos_prob'), 0.5)
        crop = next(t for t in pipe if t.type == 'SeqCropLikeStark')
        jit = next(t for t in pipe if t.type == 'SeqBboxJitter')
        for mode, key in (('template', 'template'), ('search', 'search')):
            ref = f[key]
            report.equal(f'{tag} {mode} factor, size, jitter', [
                crop[f'{mode}_factor'], crop[f'{mode}_size'],
                jit[f'{mode}_center'], jit[f'{mode}_scale']
            ], [ref['FACTOR'], ref['SIZE'], ref['CENTER_JITTER'],
                ref['SCALE_JITTER']])
        pre = cfg.model.data_preprocessor
        report.equal(f'{tag} mean, std', [list(pre.mean), list(pre.std)],
                     [f['mean'], f['std']])
        # attention, residual and FFN dropout (the output projection has
        # none in STARK: proj_drop stays 0)
        rates = {value for _, key, value in dropout_entries(
            cfg.model.head.transformer.to_dict()) if key != 'proj_drop'}
        report.equal(f'{tag} transformer dropout', sorted(rates),
                     [f['model_dropout']])
        mix = Config.fromfile(MIX_CONFIGS[stage])
        ds = mix.train_dataloader.dataset
        ours = [(d.type, d.split) for d in ds.datasets]
        official = [OFFICIAL_DATASETS.get(n, (n, '?'))
                    for n in f['train_datasets']]
        report.equal(
            f'{tag} datasets and ratios ({osp.basename(MIX_CONFIGS[stage])})',
            [ours, [float(w) for w in ds.weights]],
            [official, [float(w) for w in f['train_datasets_ratio']]])


# ---------------------------------------------------------------------------
# main


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Check the training path against a fixture of the '
        'official STARK training code')
    parser.add_argument('--fixture', required=True,
                        help='fixture folder (processing.*, step_*.*, '
                        'facts.json; ../weights, ../sequence next to it)')
    parser.add_argument('--threads', type=int, default=None,
                        help='torch CPU threads (default: torch\'s)')
    parser.add_argument('--json', default=None,
                        help='write the table to this JSON file')
    parser.add_argument(
        '--mkldnn', action='store_true',
        help='run the steps with oneDNN (mkldnn) CPU kernels; by default '
        'they run with torch\'s native kernels (see the module docstring)')
    parser.add_argument('--st1-config', default=DEFAULT_CONFIGS['st1'])
    parser.add_argument('--st2-config', default=DEFAULT_CONFIGS['st2'])
    return parser.parse_args(argv)


def stage_of(info: dict) -> str:
    text = f'{info.get("config", "")} {info.get("stage", "")}'
    if 'stark_st2' in text or 'stage 2' in text:
        return 'st2'
    if 'stark_st1' in text or 'stage 1' in text:
        return 'st1'
    raise FixtureError(f'cannot tell the stage of step {text!r}')


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    threads = torch.get_num_threads()
    if args.threads:
        torch.set_num_threads(args.threads)
    register_all_modules()
    # keep the table readable: mmengine's per-parameter optimizer notes and
    # mmcv's conv-bias warning are expected here
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings('ignore', message='Unnecessary conv bias')
            warnings.filterwarnings('ignore', message='TF32 acceleration')
            return _main(args)
    finally:
        logger.setLevel(level)
        torch.set_num_threads(threads)


def _main(args: argparse.Namespace) -> int:
    print(f'fixture {osp.abspath(args.fixture)}; torch {torch.__version__}, '
          f'{torch.get_num_threads()} threads, '
          f'{"oneDNN" if args.mkldnn else "native"} CPU kernels')
    report = Report()
    configs = dict(st1=args.st1_config, st2=args.st2_config)
    try:
        fixture = Fixture(args.fixture)
        cfg1 = Config.fromfile(configs['st1'])
        transforms = build_processing(cfg1, fixture)
        runs = run_processing(transforms, fixture)
        check_processing(report, transforms, fixture, runs)
        batch = make_batch(fixture, runs)
        state_dict = materialize_manifest(fixture.manifest,
                                          fixture.checksums)
        _, model, _ = build_model(configs['st1'], state_dict, 'train')
        check_batch(report, model, batch, fixture)
        del model
        for name, info, arrays in fixture.steps:
            stage = stage_of(info)
            run_step(report, name, info, arrays, configs[stage], state_dict,
                     batch, stage, args.mkldnn)
        check_facts(report, fixture.facts.get('facts', {}), configs)
    except FixtureError as err:
        if report.rows:
            report.print()
        print(f'error: {err}', file=sys.stderr)
        return 1
    report.print()
    if args.json:
        atomic_write_json(args.json, dict(fixture=osp.abspath(args.fixture),
                                          rows=report.rows,
                                          passed=report.passed))
    return 0 if report.passed else 1


if __name__ == '__main__':
    sys.exit(main())
