"""The fixture of the official STARK training code, read and validated.

A fixture folder (format: ``tests/data/reference/train/README.md``) holds
the processing of a few samples with recorded jitter draws
(``processing.json`` / ``.npz``), one or more training steps
(``step_*.json`` / ``.npz``) and the official settings (``facts.json``);
its weights and frames are ``../weights/`` and ``../sequence/frames/`` next
to it.
"""
import glob
import json
import os.path as osp
from typing import Dict, List

import numpy as np


class FixtureError(Exception):
    """The fixture folder is missing something or is inconsistent."""



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



def stage_of(info: dict) -> str:
    """``'st1'`` or ``'st2'``: the stage a recorded step belongs to."""
    text = f'{info.get("config", "")} {info.get("stage", "")}'
    if 'stark_st2' in text or 'stage 2' in text:
        return 'st2'
    if 'stark_st1' in text or 'stage 1' in text:
        return 'st1'
    raise FixtureError(f'cannot tell the stage of step {text!r}')

