"""A test hook that records which training samples each rank saw."""
import json
import os.path as osp

from mmengine.dist import get_rank
from mmengine.hooks import Hook

from stark_plugin.registry import HOOKS


@HOOKS.register_module()
class RecordSamplesHook(Hook):
    """Append ``video:search_frame`` of every sample to
    ``<work_dir>/samples_rank<r>.jsonl``."""

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        path = osp.join(runner.work_dir, f'samples_rank{get_rank()}.jsonl')
        with open(path, 'a') as f:
            for sample in data_batch['data_samples']:
                f.write(json.dumps([
                    runner.epoch, sample.video_name,
                    int(sample.search_frame_id),
                    [int(i) for i in sample.template_frame_ids]
                ]) + '\n')
