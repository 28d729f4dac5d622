"""Register every stark_plugin module, make mmengine read checkpoints
safely, and set the default scope.

The one module that imports the upper layers (lazily, inside
:func:`register_all_modules`), as OpenMMLab's ``register_all_modules`` do.
"""
import datetime
import warnings

from mmengine import DefaultScope

from .checkpoint.loading import install_checkpoint_loader
from .registry import SCOPE


def register_all_modules(init_default_scope: bool = True) -> None:
    """Import all stark_plugin modules so that they register themselves,
    and install the checkpoint loader of
    :func:`stark_plugin.checkpoint.install_checkpoint_loader` (pickle
    allow-list, damage check, official / mmtracking files converted).

    Args:
        init_default_scope: make ``stark_plugin`` the default scope, so that
            configs without a scope prefix build our modules first. An
            existing default scope with another name is kept, and a new
            instance named ``stark_plugin-<timestamp>`` is created (the
            mmdet convention).
    """
    import stark_plugin.datasets  # noqa: F401
    import stark_plugin.engine  # noqa: F401
    import stark_plugin.evaluation  # noqa: F401
    import stark_plugin.models  # noqa: F401
    import stark_plugin.visualization  # noqa: F401

    install_checkpoint_loader()
    if not init_default_scope:
        return
    never_created = (DefaultScope.get_current_instance() is None
                     or not DefaultScope.check_instance_created(SCOPE))
    if never_created:
        DefaultScope.get_instance(SCOPE, scope_name=SCOPE)
        return
    current = DefaultScope.get_current_instance()
    if current.scope_name != SCOPE:
        warnings.warn(f'The current default scope "{current.scope_name}" '
                      f'is not "{SCOPE}"; register_all_modules will force '
                      f'the current default scope to be "{SCOPE}".')
        stamp = datetime.datetime.now().strftime('%Y%m%d-%H%M%S-%f')
        DefaultScope.get_instance(f'{SCOPE}-{stamp}', scope_name=SCOPE)
