"""What a loaded checkpoint must pass before mmengine's Runner reads it."""
from mmengine.hooks import Hook
from mmengine.optim import OptimWrapper
from mmengine.runner.checkpoint import find_latest_checkpoint

from stark_plugin.checkpoint.stored_config import make_resume_meta_safe
from stark_plugin.engine.optim_constructor import regroup_saved_optimizer
from stark_plugin.registry import HOOKS

__all__ = ['ResumeGuardHook', 'install_resume_guard']


def _checkpoint_source(runner) -> str:
    """The file the Runner loads: ``load_from``, else the one auto-resume
    finds in the work dir."""
    load_from = getattr(runner, '_load_from', None)
    if load_from:
        return str(load_from)
    latest = find_latest_checkpoint(runner.work_dir)
    return latest or f'the last checkpoint in {runner.work_dir}'


@HOOKS.register_module()
class ResumeGuardHook(Hook):
    """Make a loaded checkpoint safe and fit before the Runner reads it.

    ``Runner.resume`` executes the checkpoint's ``meta['config']`` text
    (``Config.fromstring``) to read ``gpu_ids``. This hook runs at
    ``after_load_checkpoint``, the one point between reading the file and
    that step: the text is reduced to its plain ``gpu_ids``, and a resume
    from a file whose stored config holds code stops with an
    :class:`~stark_plugin.errors.UntrustedConfigError` naming the file
    (:func:`~stark_plugin.checkpoint.stored_config.make_resume_meta_safe`).
    When resuming, an optimizer state saved with one param group per
    parameter is mapped onto the merged groups of
    :class:`~stark_plugin.engine.optim_constructor.
    GroupedOptimWrapperConstructor`.

    The tools install it on every Runner they build
    (:func:`install_resume_guard`), whatever the config's hooks are.
    """

    priority = 'HIGHEST'

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        source = _checkpoint_source(runner)
        resuming = bool(getattr(runner, '_resume', False))
        meta = checkpoint.get('meta')
        if isinstance(meta, dict):
            make_resume_meta_safe(meta, source, resuming=resuming)
        optim_wrapper = getattr(runner, 'optim_wrapper', None)
        if resuming and 'optimizer' in checkpoint and \
                isinstance(optim_wrapper, OptimWrapper):
            checkpoint['optimizer'] = regroup_saved_optimizer(
                checkpoint['optimizer'], optim_wrapper.optimizer,
                runner.model, source)


def install_resume_guard(runner) -> None:
    """Register a :class:`ResumeGuardHook` on ``runner`` unless its config
    already added one."""
    if not any(isinstance(h, ResumeGuardHook) for h in runner.hooks):
        runner.register_hook(ResumeGuardHook())  # its HIGHEST priority
