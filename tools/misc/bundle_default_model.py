"""Make the bundled default model and sample clip of ``stark_plugin/assets``.

The model card (``stark_plugin/assets/MODEL_CARD.md``) gives the exact
commands. In short::

    # train both stages on rich generated videos, score held-out videos
    python tools/analysis/verify_training.py --work-dir WORK --style rich \
        --videos 500 --frames 40 --val-videos 12 --val-frames 100
    # the stage-2 weights + their config + the scores -> the package
    python tools/misc/bundle_default_model.py model --work-dir WORK
    # the sample clip (a held-out generated video) and its boxes
    python tools/misc/bundle_default_model.py clip

The weights file keeps only what inference needs: ``state_dict`` and a
``meta`` with the config the Runner trained with (``meta['cfg']``, so
``--config`` is not needed) and the numbers of verify_training.json.
"""
import argparse
import json
import os
import os.path as osp
import sys

import cv2
import numpy as np
import torch

REPO_ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
if REPO_ROOT not in sys.path:  # run from a source checkout
    sys.path.insert(0, REPO_ROOT)

from stark_plugin.apis import model_zoo  # noqa: E402
from stark_plugin.utils import load_checkpoint_file  # noqa: E402
from stark_plugin.utils.io import atomic_path, atomic_write_text  # noqa

#: the sample clip: generator seed, frames, size, frame rate.
CLIP_SEED = (2026, 7, 2)
CLIP_FRAMES = 150
CLIP_SIZE = (320, 240)
CLIP_FPS = 15
MEASURED = ('trained_auc', 'untrained_auc', 'static_auc', 'score_roc_auc',
            'train_seconds', 'st1_seconds', 'st2_seconds', 'settings')


def bundle_model(work_dir: str, dst: str) -> dict:
    """Write the stage-2 checkpoint of a verify_training run to ``dst``."""
    with open(osp.join(work_dir, 'verify_training.json')) as f:
        report = json.load(f)
    ckpt = load_checkpoint_file(report['st2_checkpoint'], map_location='cpu')
    meta = {k: ckpt['meta'][k]
            for k in ('cfg', 'seed', 'epoch', 'iter', 'time',
                      'mmengine_version') if k in ckpt['meta']}
    meta['verify_training'] = {k: report[k] for k in MEASURED}
    meta['description'] = (
        'stark_plugin default model: a tiny STARK-ST trained by '
        'tools/train.py (stage 1 then stage 2) on generated videos; see '
        'stark_plugin/assets/MODEL_CARD.md')
    state_dict = {k: v.clone() for k, v in ckpt['state_dict'].items()}
    with atomic_path(dst) as tmp:
        torch.save(dict(state_dict=state_dict, meta=meta), tmp)
    return meta


def bundle_clip(dst_video: str, dst_box: str, dst_gt: str) -> int:
    """Render the sample clip (a video no training run saw) as mp4."""
    from stark_plugin.datasets.synthetic import render_video
    rng = np.random.default_rng(list(CLIP_SEED))
    frames, boxes, absence, _, _ = render_video(
        rng, CLIP_FRAMES, CLIP_SIZE, with_absence=True, style='rich')
    with atomic_path(dst_video) as tmp:
        writer = cv2.VideoWriter(tmp + '.mp4',
                                 cv2.VideoWriter_fourcc(*'mp4v'), CLIP_FPS,
                                 CLIP_SIZE)
        for frame in frames:
            writer.write(frame)
        writer.release()
        os.replace(tmp + '.mp4', tmp)
    atomic_write_text(dst_box, ','.join(f'{v:.2f}' for v in boxes[0]) + '\n')
    atomic_write_text(dst_gt, ''.join(
        ','.join(f'{v:.2f}' for v in b) + '\n' for b in boxes))
    return int(absence.sum())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = parser.add_subparsers(dest='what', required=True)
    model = sub.add_parser('model', help='bundle trained weights')
    model.add_argument('--work-dir', required=True,
                       help='work dir of tools/analysis/verify_training.py')
    model.add_argument('--out', default=model_zoo.DEFAULT_CHECKPOINT)
    sub.add_parser('clip', help='render the sample clip')
    args = parser.parse_args(argv)
    if args.what == 'model':
        meta = bundle_model(args.work_dir, args.out)
        print(json.dumps(meta['verify_training'], indent=1))
        print(f'wrote {args.out} ({osp.getsize(args.out) / 1e6:.2f} MB)')
    else:
        gt = osp.join(model_zoo.ASSETS, 'sample_clip_groundtruth.txt')
        absent = bundle_clip(model_zoo.SAMPLE_CLIP, model_zoo.SAMPLE_CLIP_BOX,
                             gt)
        print(f'wrote {model_zoo.SAMPLE_CLIP} '
              f'({osp.getsize(model_zoo.SAMPLE_CLIP) / 1e6:.2f} MB, '
              f'{CLIP_FRAMES} frames, {absent} without the target), '
              f'{model_zoo.SAMPLE_CLIP_BOX}, {gt}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
