"""A test hook that kills its own process with SIGKILL (as ``kill -9``)."""
import os
import signal

from mmengine.hooks import Hook

from stark_plugin.registry import HOOKS

ENV = 'STARK_TEST_KILL_AT_ITER'


@HOOKS.register_module()
class KillAtIterHook(Hook):
    """SIGKILL the training process after global iteration
    ``$STARK_TEST_KILL_AT_ITER`` (1-based); does nothing without it."""

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        at = os.environ.get(ENV)
        if at is not None and runner.iter + 1 == int(at):
            os.kill(os.getpid(), signal.SIGKILL)
