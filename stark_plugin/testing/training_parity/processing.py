"""The training processing of the fixture's samples and the batch they make.

The shipped stage-1 config's ``train_pipeline`` after its frame sampler
(the fixture fixes the frames), with the fixture's random switches (flip /
grayscale probability, brightness jitter) and its jitter draws replayed
through ``SeqBboxJitter``'s ``jitter_draws`` seam; then ``PackSOTInputs``,
mmengine's ``pseudo_collate`` and the model's data preprocessor.
"""
import copy
from dataclasses import dataclass, field
from typing import Any, Dict, List

import cv2
import numpy as np
from mmengine.config import Config
from mmengine.dataset import pseudo_collate

from ...datasets.transforms import (CheckPadMaskValidity, PackSOTInputs,
                                    SeqBboxJitter, SeqCropLikeStark,
                                    SeqRandomFlip, crop_too_small)
from ...registry import TRANSFORMS
from .fixture import Fixture, FixtureError
from .report import Report, max_abs

#: our random switch -> (fixture section, official class, official key,
#: our key)
SWITCHES = {
    ('GrayAug', None): ('transform_joint', 'ToGrayscale', 'probability',
                        'prob'),
    ('SeqRandomFlip', 'frames'): ('transform_joint', 'RandomHorizontalFlip',
                                  'probability', 'prob'),
    ('BrightnessAug', None): ('transform_train', 'ToTensorAndJitter',
                              'brightness_jitter', 'jitter'),
    ('SeqRandomFlip', 'crops'): ('transform_train',
                                 'RandomHorizontalFlip_Norm', 'probability',
                                 'prob'),
}


def build_processing(cfg: Config, fixture: Fixture) -> List[Any]:
    """The config's training transforms after its frame sampler, with the
    fixture's random switches."""
    pipeline = copy.deepcopy(cfg.train_dataloader.dataset.pipeline)
    if not isinstance(pipeline, list):
        raise FixtureError('the config train pipeline is not a list')
    types = [t['type'] for t in pipeline]
    start = next((i + 1 for i, t in enumerate(types)
                  if t in ('TridentSampling', 'CausalSampling')), 0)
    transforms = []
    for t in pipeline[start:]:
        key = (t['type'], t.get('stage') if t['type'] == 'SeqRandomFlip'
               else None)
        if key in SWITCHES:
            section, cls, official_key, ours = SWITCHES[key]
            value = fixture.used_transform(section, cls, official_key)
            if value != 0:
                raise FixtureError(f'the fixture ran {cls} with {official_key}'
                                   f'={value}: its draws are not recorded, so '
                                   f'it cannot be replayed')
            t[ours] = value
        transforms.append(TRANSFORMS.build(t))
    return transforms


def _find(transforms: List[Any], cls: type, **attrs: Any) -> Any:
    for t in transforms:
        if isinstance(t, cls) and all(
                getattr(t, k) == v for k, v in attrs.items()):
            return t
    raise FixtureError(f'the config train pipeline has no {cls.__name__} '
                       f'{attrs or ""}')


def run_processing(transforms: List[Any], fixture: Fixture) -> List[dict]:
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


@dataclass
class _Tally:
    """What the per-sample comparisons add up to."""
    err: Dict[str, float] = field(default_factory=lambda: dict(
        joint=0.0, jitter=0.0, norm=0.0, out=0.0))
    geometry_bad: int = 0
    crops_bad: int = 0
    masks_bad: int = 0
    down_bad: int = 0
    rules_bad: int = 0
    n_crops: int = 0
    n_official_crops: int = 0
    verdicts: List[bool] = field(default_factory=list)
    fired: List[int] = field(default_factory=list)


def check_processing(report: Report, transforms, fixture: Fixture,
                     runs: List[dict]) -> None:
    """Rows comparing the settings and every sample's processing (boxes,
    crops, masks, validity rules, verdicts) with the fixture's."""
    _check_settings(report, transforms, fixture.processing['settings'])
    crop_t = _find(transforms, SeqCropLikeStark)
    valid_t = _find(transforms, CheckPadMaskValidity)
    tally = _Tally()
    for k, run in enumerate(runs):
        _compare_sample(tally, fixture, k, run, crop_t, valid_t)
    _report_tally(report, tally, fixture)


def _check_settings(report: Report, transforms, settings: dict) -> None:
    crop_t = _find(transforms, SeqCropLikeStark)
    jitter_t = _find(transforms, SeqBboxJitter)
    ours = dict(template=(crop_t.template, jitter_t.template),
                search=(crop_t.search, jitter_t.search))
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


def _compare_sample(tally: _Tally, fixture: Fixture, k: int, run: dict,
                    crop_t: SeqCropLikeStark,
                    valid_t: CheckPadMaskValidity) -> None:
    proc, t, err = fixture.proc, fixture.num_templates, tally.err
    made = proc['crop_made'][k]
    tally.n_official_crops += int(made.sum())
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
            if made[j]:
                _compare_crop(tally, fixture, k, j, run, valid_t)
    # rules: rule 1 wherever the official code jittered, 2 and 3 where it
    # cropped
    compare = np.zeros((t + 1, 3), bool)
    compare[drawn, 0] = True
    compare[made, 1:] = True
    tally.rules_bad += int(np.any(our_rules[compare] != proc['rules'][k][
        compare]))
    tally.verdicts.append(run['packed'] is not None)
    tally.fired.append(_first_rule(our_rules, t) if run['packed'] is None
                       else 0)


def _compare_crop(tally: _Tally, fixture: Fixture, k: int, j: int,
                  run: dict, valid_t: CheckPadMaskValidity) -> None:
    """Image ``j`` of sample ``k``, which the official code cropped."""
    proc, t, err = fixture.proc, fixture.num_templates, tally.err
    tally.n_crops += 1
    png = cv2.imread(fixture.crop_png(k, j))
    if png is None or not np.array_equal(run['crops'][j], png):
        tally.crops_bad += 1
    mask = run['masks'][j]
    ref = proc['template_att'][k, j] if j < t else proc['search_att'][k]
    down = proc['template_att_down'][k, j] if j < t else \
        proc['search_att_down'][k]
    tally.masks_bad += int(not np.array_equal(mask, ref))
    tally.down_bad += int(not np.array_equal(
        valid_t.feature_mask(run['final_masks'][j]), down))
    x1, y1, side = run['windows'][j]
    tally.geometry_bad += int(
        side != proc['crop_sz'][k, j]
        or [x1, y1] != proc['crop_xy1'][k, j].tolist()
        or run['resize'][j] != proc['resize_factor'][k, j])
    err['norm'] = max(err['norm'], max_abs(run['box_crop_norm'][j],
                                           proc['box_crop_norm'][k, j]))
    err['out'] = max(err['out'], max_abs(run['anno_out'][j],
                                         proc['anno_out'][k, j]))


def _report_tally(report: Report, tally: _Tally, fixture: Fixture) -> None:
    err, proc = tally.err, fixture.proc
    report.add('processing: box after the joint flip (px)', err['joint'],
               1e-4)
    report.add('processing: jittered boxes from the draws (px)',
               err['jitter'], 1e-4)
    report.add('processing: crop side, corner, resize factor (crops off)',
               tally.geometry_bad, 0)
    report.add(f'processing: crops, exact ({tally.n_crops} of '
               f'{tally.n_official_crops} official crops)', tally.crops_bad,
               0, tally.crops_bad == 0 and tally.n_crops > 0)
    report.add('processing: attention masks, exact', tally.masks_bad, 0)
    report.add('processing: masks on the feature map, exact',
               tally.down_bad, 0)
    report.add('processing: box targets box_crop_norm', err['norm'], 1e-6)
    report.add('processing: box targets after the crop flip (anno_out)',
               err['out'], 1e-6)
    report.add('processing: validity rules per image', tally.rules_bad, 0)
    report.equal('processing: verdicts (accepted samples)',
                 tally.verdicts, [bool(v) for v in proc['valid']])
    report.equal('processing: rule that rejects each sample', tally.fired,
                 [int(v) for v in proc['rule_fired']])


def _first_rule(rules: np.ndarray, t: int) -> int:
    """First failing rule in the official order: templates (rule 1, then
    2, then 3), then the search region."""
    for group in (range(t), range(t, t + 1)):
        for r in range(3):
            if any(rules[j, r] for j in group):
                return r + 1
    return 0


def make_batch(fixture: Fixture, runs: List[dict]) -> dict:
    """The fixture's training batch from our packed samples."""
    samples = []
    for k in fixture.batch_samples:
        if runs[k]['packed'] is None:
            raise FixtureError(f'batch sample {k} was rejected by our '
                               f'pipeline; the step checks need it')
        samples.append(copy.deepcopy(runs[k]['packed']))
    return pseudo_collate(samples)


def check_batch(report: Report, model, batch: dict,
                fixture: Fixture) -> None:
    """Rows comparing the preprocessed batch with the fixture's."""
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

