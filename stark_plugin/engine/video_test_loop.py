"""What the benchmark test loops share: whole videos per rank, the
checkpoint loaded before tracking, one evaluator sample per video, one
evaluation at the end."""
import os.path as osp
from typing import Dict, List, Optional, Union

from mmengine.dist import get_dist_info
from mmengine.evaluator import Evaluator
from mmengine.model import is_model_wrapper
from mmengine.runner import BaseLoop
from mmengine.utils import ProgressBar
from torch import nn
from torch.utils.data import DataLoader

from ..checkpoint.loading import load_stark_checkpoint

__all__ = ['VideoTestLoop']


class VideoTestLoop(BaseLoop):
    """Track every video of a test dataset, hand the evaluator one sample
    per video, evaluate once.

    Each rank tracks whole videos (the dataloader's sampler yields video
    indices, see ``VideoSampler``; the dataset provides ``get_video``); the
    evaluator gathers all ranks. Subclasses implement :meth:`run_video`
    (and may prepare the model in :meth:`before_videos`).

    Args:
        runner, dataloader: as for any mmengine loop.
        evaluator: an evaluator or its config.
        checkpoint: loaded strictly before tracking (``tools/test.py``
            sets it).
        resume: reuse complete results of an earlier run.
    """

    def __init__(self, runner, dataloader: Union[DataLoader, Dict],
                 evaluator: Union[Evaluator, Dict, List],
                 checkpoint: Optional[str] = None,
                 resume: bool = True) -> None:
        super().__init__(runner, dataloader)
        if isinstance(evaluator, (dict, list)):
            evaluator = runner.build_evaluator(evaluator)
        self.evaluator = evaluator
        dataset = self.dataloader.dataset
        self.evaluator.dataset_meta = getattr(dataset, 'metainfo', None)
        self.checkpoint = checkpoint
        self.resume = resume

    def work_path(self, path: str) -> str:
        """``path``, relative to the work dir unless absolute."""
        return path if osp.isabs(path) else osp.join(self.runner.work_dir,
                                                     path)

    def _model(self) -> nn.Module:
        model = self.runner.model
        return model.module if is_model_wrapper(model) else model

    def before_videos(self, model: nn.Module) -> None:
        """Called once with the loaded model in eval mode."""

    def run_video(self, video: dict) -> dict:
        """Track (or reload) one video; returns its evaluator sample."""
        raise NotImplementedError

    def run(self) -> dict:
        self.runner.call_hook('before_test')
        self.runner.call_hook('before_test_epoch')
        model = self._model()
        if self.checkpoint is not None:
            load_stark_checkpoint(model, self.checkpoint)
        model.eval()
        self.before_videos(model)
        dataset = self.dataloader.dataset
        rank, world_size = get_dist_info()
        progress = ProgressBar(dataset.num_videos) if rank == 0 else None
        for batch_idx, video_idx in enumerate(self.dataloader.sampler):
            video = dataset.get_video(video_idx)
            self.runner.call_hook('before_test_iter', batch_idx=batch_idx,
                                  data_batch=video)
            sample = self.run_video(video)
            self.evaluator.process(data_samples=[sample], data_batch=None)
            self.runner.call_hook('after_test_iter', batch_idx=batch_idx,
                                  data_batch=video, outputs=[sample])
            if progress is not None:
                # Other ranks progress at the same pace: count their videos.
                for _ in range(min(world_size,
                                   dataset.num_videos - progress.completed)):
                    progress.update()
        metrics = self.evaluator.evaluate(dataset.num_videos)
        self.runner.call_hook('after_test_epoch', metrics=metrics)
        self.runner.call_hook('after_test')
        return metrics
