"""sfkd's registries: children of every MMEngine root registry sfkd uses.

Each registry has the scope ``sfkd`` and ``locations``, so building a type
registered here imports the module that registers it. Components of the other
OpenMMLab libraries are reached through scope prefixes in configs, for example
``dict(type='mmpretrain.ResNet')``.
"""
from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import EVALUATOR as MMENGINE_EVALUATOR
from mmengine.registry import FUNCTIONS as MMENGINE_FUNCTIONS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
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
from mmengine.registry import \
    RUNNER_CONSTRUCTORS as MMENGINE_RUNNER_CONSTRUCTORS
from mmengine.registry import RUNNERS as MMENGINE_RUNNERS
from mmengine.registry import TASK_UTILS as MMENGINE_TASK_UTILS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import VISBACKENDS as MMENGINE_VISBACKENDS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import WEIGHT_INITIALIZERS as MMENGINE_WEIGHT_INITIALIZERS
from mmengine.registry import Registry

SCOPE = 'sfkd'


def _child(name: str, parent: Registry, *locations: str) -> Registry:
    return Registry(name, parent=parent, scope=SCOPE, locations=list(locations))


# runtime
RUNNERS = _child('runner', MMENGINE_RUNNERS, 'sfkd.engine')
RUNNER_CONSTRUCTORS = _child('runner constructor', MMENGINE_RUNNER_CONSTRUCTORS, 'sfkd.engine')
LOOPS = _child('loop', MMENGINE_LOOPS, 'sfkd.engine')
HOOKS = _child('hook', MMENGINE_HOOKS, 'sfkd.engine')
LOG_PROCESSORS = _child('log processor', MMENGINE_LOG_PROCESSORS, 'sfkd.engine')
FUNCTIONS = _child('function', MMENGINE_FUNCTIONS, 'sfkd.engine')

# data
DATASETS = _child('dataset', MMENGINE_DATASETS, 'sfkd.datasets', 'sfkd.datasets.dense',
                  'sfkd.datasets.mri', 'sfkd.datasets.fashion_mnist_dataset')
DATA_SAMPLERS = _child('data sampler', MMENGINE_DATA_SAMPLERS, 'sfkd.datasets')
TRANSFORMS = _child('transform', MMENGINE_TRANSFORMS, 'sfkd.datasets', 'sfkd.datasets.mri')

# models
MODELS = _child('model', MMENGINE_MODELS, 'sfkd.models')
MODEL_WRAPPERS = _child('model_wrapper', MMENGINE_MODEL_WRAPPERS, 'sfkd.models')
WEIGHT_INITIALIZERS = _child('weight initializer', MMENGINE_WEIGHT_INITIALIZERS, 'sfkd.models')
TASK_UTILS = _child('task util', MMENGINE_TASK_UTILS, 'sfkd.models')

# optimisation
OPTIMIZERS = _child('optimizer', MMENGINE_OPTIMIZERS, 'sfkd.engine')
OPTIM_WRAPPERS = _child('optim_wrapper', MMENGINE_OPTIM_WRAPPERS, 'sfkd.engine')
OPTIM_WRAPPER_CONSTRUCTORS = _child('optimizer wrapper constructor',
                                    MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS, 'sfkd.engine')
PARAM_SCHEDULERS = _child('parameter scheduler', MMENGINE_PARAM_SCHEDULERS, 'sfkd.engine')

# evaluation and visualisation
METRICS = _child('metric', MMENGINE_METRICS, 'sfkd.evaluation')
EVALUATOR = _child('evaluator', MMENGINE_EVALUATOR, 'sfkd.evaluation')
VISUALIZERS = _child('visualizer', MMENGINE_VISUALIZERS, 'sfkd.engine')
VISBACKENDS = _child('vis_backend', MMENGINE_VISBACKENDS, 'sfkd.engine')
