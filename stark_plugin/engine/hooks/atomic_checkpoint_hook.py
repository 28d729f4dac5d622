"""A CheckpointHook whose files survive a kill at any moment."""
import contextlib
import glob
import os
import os.path as osp
from typing import Any, Iterator, List

import mmengine.hooks.checkpoint_hook as mmengine_checkpoint_hook
from mmengine.dist import is_main_process
from mmengine.fileio import LocalBackend
from mmengine.hooks import CheckpointHook

from stark_plugin.registry import HOOKS
from stark_plugin.checkpoint.safe_load import check_last_checkpoint
from stark_plugin.fileio.atomic import atomic_path

__all__ = ['AtomicCheckpointHook']

# temp names: ``.tmp_<random>_epoch_3.pth.part`` beside the checkpoint and
# ``.tmp_<random>.last_checkpoint`` in the work dir; hidden, and not
# ``*.pth``, so that no glob or tool takes them for checkpoints
PART_SUFFIX = '.part'
LAST_SUFFIX = '.last_checkpoint'


@contextlib.contextmanager
def _main_process_steps_skipped() -> Iterator[None]:
    """Make ``CheckpointHook`` skip what it does on the main process only.

    Inside ``_save_checkpoint_with_step`` that is deleting the oldest kept
    checkpoint *before* saving the new one, and a plain (truncate, then
    write) ``last_checkpoint``; :class:`AtomicCheckpointHook` does both
    itself, in a safe order.
    """
    real = mmengine_checkpoint_hook.is_main_process
    mmengine_checkpoint_hook.is_main_process = lambda: False
    try:
        yield
    finally:
        mmengine_checkpoint_hook.is_main_process = real


def _fsync(path: str) -> None:
    fd = os.open(path, os.O_RDWR)  # Windows cannot fsync a read-only fd
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """``CheckpointHook`` that never leaves a broken checkpoint behind.

    mmengine writes ``epoch_N.pth`` and ``last_checkpoint`` in place and
    deletes the oldest kept checkpoint before writing the new one, so a
    kill (or a full disk) at the wrong moment leaves a truncated
    ``epoch_N.pth`` or a ``last_checkpoint`` that names a truncated or
    deleted file, and ``--resume`` fails. Here, on a local ``out_dir``:

    - every checkpoint (``best_*`` too) is written to a hidden temp file in
      its folder, flushed to disk and renamed into place (``os.replace``);
    - ``last_checkpoint`` is replaced the same way, after the checkpoint;
    - checkpoints beyond ``max_keep_ckpts`` are deleted only after that;
    - temp files left by a killed run are deleted before training.

    Before an auto-resume (``resume=True`` without ``load_from``) it checks
    that ``last_checkpoint`` names an existing file. Everything else
    (interval, by_epoch, max_keep_ckpts, save_best, out_dir, publishing) is
    ``CheckpointHook``'s.
    """

    _redirecting = False

    def _is_local(self) -> bool:
        backend = getattr(self, 'file_backend', None)
        backend = getattr(backend, 'client', backend)  # FileClient
        return isinstance(backend, LocalBackend)

    @contextlib.contextmanager
    def _atomic_saves(self, runner) -> Iterator[None]:
        """Route ``runner.save_checkpoint`` through a temp file + rename."""
        if self._redirecting or not self._is_local() or \
                not is_main_process():
            # nested, remote, or a rank that does not write (master_only)
            yield
            return
        save = runner.save_checkpoint

        def save_atomically(out_dir: str, filename: str, *args: Any,
                            **kwargs: Any) -> None:
            final = osp.join(out_dir, filename)
            suffix = f'_{osp.basename(filename)}{PART_SUFFIX}'
            with atomic_path(final, suffix=suffix) as tmp:
                save(osp.dirname(tmp), osp.basename(tmp), *args, **kwargs)
                _fsync(tmp)

        shadowed = 'save_checkpoint' in vars(runner)
        self._redirecting = True
        runner.save_checkpoint = save_atomically
        try:
            yield
        finally:
            if shadowed:
                runner.save_checkpoint = save
            else:
                del runner.save_checkpoint  # the Runner method again
            self._redirecting = False

    def _save_checkpoint_with_step(self, runner, step, meta) -> None:
        kept = list(getattr(self, 'keep_ckpt_ids', []))
        with self._atomic_saves(runner), _main_process_steps_skipped():
            super()._save_checkpoint_with_step(runner, step, meta)
        if not is_main_process():
            return
        with atomic_path(osp.join(runner.work_dir, 'last_checkpoint'),
                         suffix=LAST_SUFFIX) as tmp:
            with open(tmp, 'w') as f:
                f.write(self.last_ckpt)
        dropped = [s for s in kept if s not in self.keep_ckpt_ids]
        for old in dropped:
            self._remove_checkpoint(self.filename_tmpl.format(old))

    def _remove_checkpoint(self, filename: str) -> None:
        path = self.file_backend.join_path(self.out_dir, filename)
        if path == self.last_ckpt:
            return
        if self.file_backend.isfile(path):
            self.file_backend.remove(path)
        elif self.file_backend.isdir(path):  # deepspeed checkpoints
            self.file_backend.rmtree(path)

    def _save_best_checkpoint(self, runner, metrics) -> None:
        with self._atomic_saves(runner):
            super()._save_best_checkpoint(runner, metrics)

    def before_run(self, runner) -> None:
        if getattr(runner, '_resume', False) and \
                getattr(runner, '_load_from', None) is None:
            check_last_checkpoint(runner.work_dir)
        super().before_run(runner)

    def before_train(self, runner) -> None:
        super().before_train(runner)
        if is_main_process() and self._is_local():
            for path in self.stale_temp_files(runner.work_dir):
                os.remove(path)
                runner.logger.info(
                    f'Removed {path}, left by an interrupted checkpoint '
                    f'write.')

    def stale_temp_files(self, work_dir: str) -> List[str]:
        """Temp files of checkpoint writes that never finished."""
        return sorted(
            glob.glob(osp.join(glob.escape(self.out_dir),
                               f'.tmp_*{PART_SUFFIX}')) +
            glob.glob(osp.join(glob.escape(work_dir),
                               f'.tmp_*{LAST_SUFFIX}')))
