"""The VOT configs: dataset, loop and metric fit together, the metric's
experiment is the protocol the dataset base names, and the comments cite
the official setting of the challenge the config runs."""
import glob
import json
import os.path as osp

import pytest
from mmengine.config import Config

from stark_plugin.evaluation.metrics import VOTMetric
from stark_plugin.evaluation.vot import VOT_PROTOCOLS

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(glob.glob(osp.join(REPO_ROOT, 'configs', 'sot', 'stark',
                                    '*vot*.py')))


def test_every_challenge_has_a_config():
    stacks = {Config.fromfile(c).test_evaluator.stack for c in CONFIGS}
    assert {'vot2018', 'vot2019', 'vot2020', 'votlt2020'} <= stacks


@pytest.mark.parametrize('config', CONFIGS, ids=osp.basename)
def test_vot_config_is_consistent(config):
    cfg = Config.fromfile(config)
    assert cfg.test_cfg.type == 'VOTTestLoop'
    assert cfg.test_dataloader.dataset.type == 'VOTDataset'
    assert cfg.test_dataloader.sampler.type == 'VideoSampler'
    args = {k: v for k, v in cfg.test_evaluator.items() if k != 'type'}
    metric = VOTMetric(**args)
    assert metric.protocol in VOT_PROTOCOLS
    assert metric.protocol == cfg.test_evaluator.protocol
    assert cfg.test_dataloader.dataset.challenge == \
        cfg.test_evaluator.stack
    text = open(config).read()
    if 'stark_st2_' in osp.basename(config):  # the official yaml entry
        key = {'vot-longterm': 'VOT20LT', 'vot-multistart': 'VOT20'}.get(
            metric.protocol, 'MAX_SAMPLE_INTERVAL')
        assert f'{key} ' in ' '.join(text.split())
    search = (cfg.model.test_cfg.search_size,
              cfg.model.test_cfg.search_factor)
    assert f'search {search[0]} px / factor {search[1]:g}' in \
        ' '.join(text.split())


RESOLVED = osp.join(REPO_ROOT, 'tests', 'data', 'configs',
                    'vot_configs_resolved.json')


def _vot_config_files():
    bases = glob.glob(osp.join(REPO_ROOT, 'configs', '_base_', 'datasets',
                               'vot*.py'))
    return sorted(osp.relpath(p, REPO_ROOT) for p in bases + CONFIGS)


def test_merged_configs_are_the_recorded_ones():
    """Every VOT config (dataset bases and STARK configs) merges into the
    dict recorded before the shared parts moved into `_base_` files
    (tests/data/configs/vot_configs_resolved.json, JSON: tuples as
    lists)."""
    with open(RESOLVED) as f:
        recorded = json.load(f)
    assert sorted(recorded) == [c for c in _vot_config_files()
                                if osp.basename(c) != 'vot.py']
    for name, expected in recorded.items():
        cfg = Config.fromfile(osp.join(REPO_ROOT, name))
        assert json.loads(json.dumps(cfg.to_dict())) == expected, name
