"""Registries of stark_plugin (scope ``stark_plugin``).

Every registry is a child of mmengine's root registry of the same kind, so
configs can also build ``mmdet.`` / ``mmengine.`` prefixed types (for example
``type='mmdet.ResNet'``). ``locations`` lets a config build a module without
importing it by hand first.
"""
from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import EVALUATOR as MMENGINE_EVALUATOR
from mmengine.registry import FUNCTIONS as MMENGINE_FUNCTIONS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import INFERENCERS as MMENGINE_INFERENCERS
from mmengine.registry import LOG_PROCESSORS as MMENGINE_LOG_PROCESSORS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import \
    OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.registry import OPTIM_WRAPPERS as MMENGINE_OPTIM_WRAPPERS
from mmengine.registry import OPTIMIZERS as MMENGINE_OPTIMIZERS
from mmengine.registry import PARAM_SCHEDULERS as MMENGINE_PARAM_SCHEDULERS
from mmengine.registry import RUNNERS as MMENGINE_RUNNERS
from mmengine.registry import TASK_UTILS as MMENGINE_TASK_UTILS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import VISBACKENDS as MMENGINE_VISBACKENDS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import \
    WEIGHT_INITIALIZERS as MMENGINE_WEIGHT_INITIALIZERS
from mmengine.registry import Registry

SCOPE = 'stark_plugin'


def _child(name: str, parent: Registry, *locations: str) -> Registry:
    return Registry(
        name, parent=parent, scope=SCOPE, locations=list(locations))


RUNNERS = _child('runner', MMENGINE_RUNNERS, 'stark_plugin.engine')
LOOPS = _child('loop', MMENGINE_LOOPS, 'stark_plugin.engine')
HOOKS = _child('hook', MMENGINE_HOOKS, 'stark_plugin.engine')

DATASETS = _child('dataset', MMENGINE_DATASETS, 'stark_plugin.datasets')
DATA_SAMPLERS = _child('data sampler', MMENGINE_DATA_SAMPLERS,
                       'stark_plugin.datasets')
TRANSFORMS = _child('transform', MMENGINE_TRANSFORMS,
                    'stark_plugin.datasets.transforms')

MODELS = _child('model', MMENGINE_MODELS, 'stark_plugin.models')
MODEL_WRAPPERS = _child('model_wrapper', MMENGINE_MODEL_WRAPPERS,
                        'stark_plugin.models')
WEIGHT_INITIALIZERS = _child('weight initializer',
                             MMENGINE_WEIGHT_INITIALIZERS,
                             'stark_plugin.models')
TASK_UTILS = _child('task util', MMENGINE_TASK_UTILS, 'stark_plugin.models')

OPTIMIZERS = _child('optimizer', MMENGINE_OPTIMIZERS, 'stark_plugin.engine')
OPTIM_WRAPPERS = _child('optim_wrapper', MMENGINE_OPTIM_WRAPPERS,
                        'stark_plugin.engine')
OPTIM_WRAPPER_CONSTRUCTORS = _child('optimizer wrapper constructor',
                                    MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS,
                                    'stark_plugin.engine')
PARAM_SCHEDULERS = _child('parameter scheduler', MMENGINE_PARAM_SCHEDULERS,
                          'stark_plugin.engine')

METRICS = _child('metric', MMENGINE_METRICS, 'stark_plugin.evaluation')
EVALUATOR = _child('evaluator', MMENGINE_EVALUATOR, 'stark_plugin.evaluation')

VISUALIZERS = _child('visualizer', MMENGINE_VISUALIZERS,
                     'stark_plugin.visualization')
VISBACKENDS = _child('vis_backend', MMENGINE_VISBACKENDS,
                     'stark_plugin.visualization')
LOG_PROCESSORS = _child('log_processor', MMENGINE_LOG_PROCESSORS,
                        'stark_plugin.engine')
INFERENCERS = _child('inferencer', MMENGINE_INFERENCERS, 'stark_plugin.apis')
FUNCTIONS = _child('function', MMENGINE_FUNCTIONS, 'stark_plugin.datasets')
