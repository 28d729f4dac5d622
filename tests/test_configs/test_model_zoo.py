"""The model zoo: metafile.yml, the configs it names, the README table."""
import copy
import os.path as osp
from typing import Any, Dict, List

import pytest
import yaml
from mmengine.config import Config
from stark_plugin.testing.scripts import import_script

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
METAFILE = osp.join(REPO_ROOT, 'configs', 'sot', 'stark', 'metafile.yml')
README = osp.join(REPO_ROOT, 'configs', 'sot', 'stark', 'README.md')


def _load_tool():
    path = osp.join(REPO_ROOT, 'tools', 'misc', 'model_zoo_table.py')
    module = import_script(path)
    return module


zoo = _load_tool()
MODELS: List[Dict[str, Any]] = zoo.load_models(METAFILE)
CONFIGS = sorted({c for m in MODELS for c in zoo.model_configs(m)})


def _write_metafile(path: str, models: List[Dict[str, Any]]) -> str:
    with open(path, 'w', encoding='utf-8') as f:
        yaml.safe_dump({'Models': models}, f, sort_keys=False)
    return path


def test_metafile_lists_the_published_checkpoints():
    names = [m['Name'] for m in MODELS]
    assert len(names) == len(set(names)), 'duplicate Model names'
    files = {m['Metadata']['File'] for m in MODELS}
    assert {'STARKS_ep0500.pth.tar', 'STARKST_ep0050.pth.tar'} <= files
    assert {f'official_stark_{v}{d}' for v in ('s50', 'st50', 'st101')
            for d in ('', '_got10k_only')} <= set(names)
    assert {f'mmtrack_stark_{s}_r50_{e}_{d}' for s, e in
            (('st1', '500e'), ('st2', '50e'))
            for d in ('got10k', 'lasot')} <= set(names)


@pytest.mark.parametrize('model', MODELS, ids=lambda m: m['Name'])
def test_every_model_has_the_required_fields(model):
    for key in ('Name', 'Config', 'Weights', 'Results'):
        assert model.get(key), f'{model.get("Name")}: no {key}'
    assert model['Weights'].startswith('https://')
    for result in model['Results']:
        assert result['Dataset'] in ('LaSOT', 'GOT-10k', 'TrackingNet',
                                     'VOT2020', 'VOT2020-LT')
        assert result['Metrics'], f'{model["Name"]}: Results without Metrics'
        assert all(isinstance(v, (int, float))
                   for v in result['Metrics'].values())
        assert result['Source'].startswith('https://')


def test_model_index_imports_the_metafile():
    with open(osp.join(REPO_ROOT, 'model-index.yml'), encoding='utf-8') as f:
        index = yaml.safe_load(f)
    assert 'configs/sot/stark/metafile.yml' in index['Import']
    for path in index['Import']:
        assert osp.isfile(osp.join(REPO_ROOT, path)), path


@pytest.mark.parametrize('config', CONFIGS, ids=osp.basename)
def test_every_named_config_exists_and_builds(config):
    from stark_plugin.registry import MODELS as REGISTRY
    from stark_plugin.setup_env import register_all_modules
    path = osp.join(REPO_ROOT, config)
    assert osp.isfile(path), f'{config} does not exist'
    register_all_modules()
    cfg = Config.fromfile(path)
    cfg.model.backbone.init_cfg = None  # no pretrained-weight download
    model = REGISTRY.build(cfg.model)
    assert type(model).__name__ == 'Stark'
    assert sum(p.numel() for p in model.parameters()) > 1_000_000


RESNET_MODELS = [m for m in MODELS
                 if m['Metadata']['Backbone'] in ('R-50', 'R-101')]


@pytest.mark.parametrize('model', RESNET_MODELS, ids=lambda m: m['Name'])
def test_configs_fit_the_checkpoint(model):
    """Backbone depth and S / ST variant of every named config match the
    Model's metadata (an R101 file never points at an R50 config)."""
    meta = model['Metadata']
    depth = int(meta['Backbone'].split('-')[1])
    spatial_only = meta['Variant'].startswith('STARK-S5')
    for config in zoo.model_configs(model):
        cfg = Config.fromfile(osp.join(REPO_ROOT, config))
        assert cfg.model.backbone.depth == depth, config
        assert (cfg.model.head.get('cls_head') is None) == spatial_only, \
            config
        stage = cfg.model.train_cfg.stage
        assert stage == ('s' if spatial_only else
                         'st1' if 'stage 1' in meta['Variant'] else 'st2'), \
            config


def test_readme_table_is_in_sync():
    assert zoo.main(['--check', README]) == 0


def test_validate_passes_on_the_metafile():
    assert zoo.find_problems(MODELS, REPO_ROOT) == []
    assert zoo.main(['--validate']) == 0


def test_missing_config_and_fields_are_reported(tmp_path, capsys):
    broken = copy.deepcopy(MODELS[:2])
    broken[0]['Config'] = 'configs/sot/stark/no_such_config.py'
    del broken[1]['Weights']
    broken[1]['Results'][0]['Metrics'] = {}
    metafile = _write_metafile(str(tmp_path / 'metafile.yml'), broken)
    problems = zoo.find_problems(zoo.load_models(metafile), REPO_ROOT)
    assert problems == [
        f'{broken[0]["Name"]}: config configs/sot/stark/no_such_config.py '
        'does not exist',
        f'{broken[1]["Name"]}: no Weights',
        f'{broken[1]["Name"]}: Results[0] has no Metrics',
    ]
    assert zoo.main(['--validate', '--metafile', metafile]) == 1
    assert 'no_such_config.py does not exist' in capsys.readouterr().err


def test_check_fails_on_a_stale_table(tmp_path, capsys):
    readme = tmp_path / 'README.md'
    readme.write_text(f'# zoo\n\n{zoo.START}\n{zoo.END}\n\nmore text\n')
    assert zoo.main(['--check', str(readme)]) == 1  # empty table
    assert zoo.main(['--update', str(readme)]) == 0
    assert zoo.main(['--check', str(readme)]) == 0
    text = readme.read_text()
    assert text.startswith('# zoo\n') and text.endswith('more text\n')
    readme.write_text(text.replace('| 67.1 |', '| 67.2 |', 1))
    capsys.readouterr()
    assert zoo.main(['--check', str(readme)]) == 1
    assert '-| STARK-ST101' in capsys.readouterr().err
    readme.write_text('no markers\n')
    assert zoo.main(['--check', str(readme)]) == 1
