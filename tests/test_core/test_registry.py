"""Every registry of stark_plugin resolves its own, mmengine's and mmdet's
modules from the stark_plugin scope."""
import pytest
from mmengine.registry import DefaultScope

import stark_plugin.registry as registry
from stark_plugin.setup_env import register_all_modules

# registry: (a module resolved in scope stark_plugin -- ours where we have
# one, else inherited from mmengine through the parent --, a prefixed module
# of another scope: mmdet's where mmdet registers one, else mmengine's)
CASES = {
    'RUNNERS': ('Runner', 'mmengine.Runner'),
    'LOOPS': ('SOTTestLoop', 'mmdet.TeacherStudentValLoop'),
    'HOOKS': ('CheckpointHook', 'mmdet.DetVisualizationHook'),
    'DATASETS': ('GOT10kDataset', 'mmdet.CocoDataset'),
    'DATA_SAMPLERS': ('QuotaSampler', 'mmdet.AspectRatioBatchSampler'),
    'TRANSFORMS': ('PackSOTInputs', 'mmdet.PackDetInputs'),
    'MODELS': ('Stark', 'mmdet.ResNet'),
    'MODEL_WRAPPERS': ('MMDistributedDataParallel',
                       'mmengine.MMDistributedDataParallel'),
    'WEIGHT_INITIALIZERS': ('Normal', 'mmengine.Xavier'),
    'TASK_UTILS': ('mmdet.MaxIoUAssigner', 'mmdet.HungarianAssigner'),
    'OPTIMIZERS': ('AdamW', 'mmengine.SGD'),
    'OPTIM_WRAPPERS': ('OptimWrapper', 'mmengine.AmpOptimWrapper'),
    'OPTIM_WRAPPER_CONSTRUCTORS':
    ('DefaultOptimWrapperConstructor',
     'mmdet.LearningRateDecayOptimizerConstructor'),
    'PARAM_SCHEDULERS': ('MultiStepLR', 'mmdet.QuadraticWarmupLR'),
    'METRICS': ('SOTMetric', 'mmdet.CocoMetric'),
    'EVALUATOR': ('Evaluator', 'mmengine.Evaluator'),
    'VISUALIZERS': ('Visualizer', 'mmdet.DetLocalVisualizer'),
    'VISBACKENDS': ('LocalVisBackend', 'mmengine.TensorboardVisBackend'),
    'LOG_PROCESSORS': ('LogProcessor', 'mmengine.LogProcessor'),
}


@pytest.fixture(scope='module', autouse=True)
def _scope():
    register_all_modules(init_default_scope=True)
    with DefaultScope.overwrite_default_scope('stark_plugin'):
        yield


def test_all_registries_are_covered():
    names = {n for n in dir(registry) if n.isupper() and n != 'SCOPE'
             and not n.startswith('MMENGINE_')}
    assert names - {'INFERENCERS', 'FUNCTIONS'} == set(CASES)
    for name in names:
        reg = getattr(registry, name)
        assert reg.scope == 'stark_plugin'
        assert reg.parent is not None and reg.parent.scope == 'mmengine'


@pytest.mark.parametrize('name', sorted(CASES))
def test_registry_resolves(name):
    reg = getattr(registry, name)
    own, prefixed = CASES[name]
    assert reg.get(own) is not None, f'{name}: {own}'
    assert reg.get(prefixed) is not None, f'{name}: {prefixed}'


def test_mmdet_resnet_builds_from_our_scope():
    model = registry.MODELS.build(
        dict(type='mmdet.ResNet', depth=18, num_stages=3, strides=(1, 2, 2),
             dilations=(1, 1, 1), out_indices=(2, )))
    assert type(model).__module__.startswith('mmdet.')


def test_own_modules_are_registered_in_our_scope():
    assert 'SOTMetric' in registry.METRICS.module_dict
    assert 'SOTTestLoop' in registry.LOOPS.module_dict
    assert 'GOT10kDataset' in registry.DATASETS.module_dict
    assert 'Stark' in registry.MODELS.module_dict
