"""A LoggerHook whose test-metrics JSON is written by one process only."""
import os.path as osp
from typing import Dict, Optional

from mmengine.dist import is_main_process
from mmengine.hooks import LoggerHook

from stark_plugin.registry import HOOKS
from stark_plugin.fileio.atomic import atomic_write_json

__all__ = ['MainProcessLoggerHook']


@HOOKS.register_module()
class MainProcessLoggerHook(LoggerHook):
    """``LoggerHook`` that writes ``{timestamp}.json`` after testing from
    the main process only, and atomically.

    mmengine 0.10's ``LoggerHook.after_test_epoch`` dumps the metrics on
    every rank into the same file of the shared log folder. Under
    ``torchrun`` two ranks truncate and write it at the same time, and the
    file can end up as one rank's line with the tail of the other's
    (invalid JSON). The metrics are already identical on all ranks, so
    rank 0 alone writes them here; every other behaviour is LoggerHook's.
    """

    def after_test_epoch(self,
                         runner,
                         metrics: Optional[Dict[str, float]] = None) -> None:
        tag, log_str = runner.log_processor.get_log_after_epoch(
            runner, len(runner.test_dataloader), 'test', with_non_scalar=True)
        runner.logger.info(log_str)
        if not is_main_process():
            return
        atomic_write_json(
            osp.join(runner.log_dir, self.json_log_path),
            self._process_tags(tag), indent=None)
