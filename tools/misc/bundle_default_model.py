"""Make the bundled default model and sample clip of ``stark_plugin/assets``.

The model card (``stark_plugin/assets/MODEL_CARD.md``) gives the exact
commands. In short::

    # train both stages on rich generated videos, score held-out videos
    python tools/analysis/verify_training.py --work-dir WORK --style rich \
        --videos 500 --frames 40 --val-videos 12 --val-frames 100
    # the stage-2 weights + their config + the scores -> the package
    python tools/misc/bundle_default_model.py model --work-dir WORK
    # how the model tracks the candidate clips (through mp4, as the demo
    # reads them), then the sample clip and its boxes
    python tools/misc/bundle_default_model.py candidates
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
import tempfile

import cv2
import numpy as np
import torch
from mmengine.config import Config

from stark_plugin.apis import init_model, model_zoo, track_video
from stark_plugin.checkpoint.safe_load import load_checkpoint_file
from stark_plugin.datasets.synthetic import render_video
from stark_plugin.evaluation.functional.boxes import iou_got10k
from stark_plugin.evaluation.functional.curves import (auc_mean,
                                                       success_curve)
from stark_plugin.fileio.atomic import atomic_path, atomic_write_text

#: the sample clip: generator seed (candidate ``CLIP_SEED[2]`` of
#: ``CANDIDATES``), frames, size, frame rate.
CLIP_SEED = (2026, 7, 11)
CANDIDATES = 12
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


CARD_TEMPLATE = """# Default model: tiny STARK-ST trained on generated videos

`stark_st_tiny_synth_rich.pth` ({size_mb:.2f} MB) is the model that
`python demo_sot.py` and `init_model(None, DEFAULT_CHECKPOINT)` use when no
checkpoint is given. It shows the machinery working on any machine without
a download. **It is not a benchmark model**: it has only seen generated
videos. For real videos use a published checkpoint
(`configs/sot/stark/README.md`).

## What it is

- Architecture: `configs/sot/stark/stark_st2_tiny_synth.py` (STARK-ST
  structure scaled down: ResNet-18 stem and two stages at 16 base channels,
  stride 8, d = 32 transformer with 1 encoder and 6 decoder layers, 32 px
  templates, 80 px search crops, score head). The config it was trained
  with is stored in the file (`meta['cfg']`), so no `--config` is needed.
- Training: `tools/train.py`, stage 1 ({st1_epochs} epochs) then stage 2
  ({st2_epochs} epochs, score head only, from the stage-1 weights), seed
  {seed}, on {videos} generated videos of {frames} frames ({size[0]} x
  {size[1]}, style `{style}`: textured targets on textured, panning
  backgrounds, a look-alike distractor in every video, other distractors,
  an occluding bar, scale and aspect change, dashes with motion blur, exits
  from the frame and back, absent frames).
- Training time on the machine that made it (2-core AMD EPYC, AVX2, CPU
  only, one thread per process, shared with other work): stage 1
  {st1_seconds:.0f} s, stage 2 {st2_seconds:.0f} s, {train_seconds:.0f} s in
  all.

## How well it tracks

Held out: {val_videos} generated videos of {val_frames} frames (same
style, never trained on), scored by `tools/test.py` (success AUC, OTB-style
curve over all frames):

| model | success AUC |
| --- | --- |
| this model | {trained_auc:.3f} |
| "stay at the first box" | {static_auc:.3f} |
| the same network untrained | {untrained_auc:.3f} |

Score head ROC AUC on held-out positive / negative search regions:
{score_roc_auc:.3f}. One run, one seed.

## How it was made (exact commands)

```bash
python tools/analysis/verify_training.py --work-dir WORK --style {style} \\
    --videos {videos} --frames {frames} --val-videos {val_videos} \\
    --val-frames {val_frames} --seed {seed}
python tools/misc/bundle_default_model.py model --work-dir WORK
python tools/misc/bundle_default_model.py candidates
python tools/misc/bundle_default_model.py clip
```

The second command keeps the stage-2 weights, the config and the numbers
above (`meta['verify_training']`), scores the candidate clips and writes
this card; the last two print the candidates' table and render the sample
clip with its first box and ground truth.

## The sample clip

`sample_clip.mp4`: {clip_frames} frames at {clip_fps} fps, {clip_size[0]} x
{clip_size[1]}, a generated video of the same style that no training run
saw (generator seed {clip_seed}). It was picked among {candidates}
candidates (seeds ({seed0}, {seed1}, 0..{last})) as one in which the target
leaves the frame and comes back **and the model follows it** (the other
such candidate, clip 2, it loses): the clip shows the tracker at its
better, not its typical. The closed loop of a tracker is chaotic:
the same model on the same clip can lose the target after a small change
(mp4 compression instead of the raw frames already flips clip 2), so here
is how it does on all of them, read back from mp4 as the demo reads them
(success AUC over the frames with the target in view):

{candidates_table}

Mean over the {candidates}: this model {cand_tracked:.3f}, "stay at the
first box" {cand_static:.3f}; the model is above the static baseline on
{cand_wins} of {candidates}.
"""


def candidates_table(rows: list) -> str:
    """Markdown table of :func:`score_candidates` rows."""
    lines = ['| clip | frames without the target | model AUC | static AUC |',
             '| --- | --- | --- | --- |']
    lines += [f'| {r["index"]} | {r["absent"]} | {r["tracked"]:.3f} | '
              f'{r["static"]:.3f} |' for r in rows]
    return '\n'.join(lines)


def write_model_card(meta: dict, weights: str, path: str,
                     rows: list) -> None:
    """The model card, from the numbers stored in the weights file and the
    scores of the candidate clips (``rows``)."""
    report = meta['verify_training']
    settings = report['settings']
    st1 = settings.get('st1_epochs') or Config.fromfile(
        settings['st1_config']).train_cfg.max_epochs
    st2 = meta['epoch']  # of the stage-2 checkpoint
    text = CARD_TEMPLATE.format(
        size_mb=osp.getsize(weights) / 1e6, st1_epochs=st1, st2_epochs=st2,
        clip_frames=CLIP_FRAMES, clip_fps=CLIP_FPS, clip_size=CLIP_SIZE,
        clip_seed=list(CLIP_SEED), candidates=len(rows), seed0=CLIP_SEED[0],
        seed1=CLIP_SEED[1], last=len(rows) - 1,
        candidates_table=candidates_table(rows),
        cand_tracked=np.mean([r['tracked'] for r in rows]),
        cand_static=np.mean([r['static'] for r in rows]),
        cand_wins=sum(r['tracked'] > r['static'] for r in rows),
        **{k: v for k, v in report.items() if k != 'settings'},
        **{k: v for k, v in settings.items()
           if k not in ('st1_epochs', 'st2_epochs')})
    atomic_write_text(path, text)


def render_clip(index: int):
    """Frames, boxes and absence of candidate clip ``index``."""
    rng = np.random.default_rng([CLIP_SEED[0], CLIP_SEED[1], index])
    frames, boxes, absence, _, _ = render_video(
        rng, CLIP_FRAMES, CLIP_SIZE, with_absence=True, style='rich')
    return frames, boxes, absence


def write_mp4(path: str, frames) -> None:
    """Frames to an mp4 (``mp4v``), atomically."""
    with atomic_path(path) as tmp:
        writer = cv2.VideoWriter(tmp + '.mp4',
                                 cv2.VideoWriter_fourcc(*'mp4v'), CLIP_FPS,
                                 CLIP_SIZE)
        for frame in frames:
            writer.write(frame)
        writer.release()
        os.replace(tmp + '.mp4', tmp)


def score_candidates(checkpoint: str) -> list:
    """Success AUC (frames with the target in view) of the model and of
    "stay at the first box" on every candidate clip, read back from mp4
    as the demo reads it."""
    model = init_model(None, checkpoint)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for index in range(CANDIDATES):
            frames, boxes, absence = render_clip(index)
            path = osp.join(tmp, f'clip{index}.mp4')
            write_mp4(path, frames)
            init = [round(float(v), 2) for v in boxes[0]]  # as written
            pred = np.array([r['boxes'][0]
                             for r in track_video(model, path, init)])
            seen = absence == 0
            static = np.repeat(boxes[:1], seen.sum(), 0)
            rows.append(dict(
                index=index, absent=int(absence.sum()),
                tracked=auc_mean(success_curve(
                    iou_got10k(pred[seen], boxes[seen]))),
                static=auc_mean(success_curve(
                    iou_got10k(static, boxes[seen])))))
    return rows


def bundle_clip(dst_video: str, dst_box: str, dst_gt: str) -> int:
    """Render the sample clip (a video no training run saw) as mp4."""
    frames, boxes, absence = render_clip(CLIP_SEED[2])
    write_mp4(dst_video, frames)
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
    cand = sub.add_parser('candidates', help='score the model on the '
                          'candidate clips')
    cand.add_argument('--checkpoint', default=model_zoo.DEFAULT_CHECKPOINT)
    args = parser.parse_args(argv)
    if args.what == 'model':
        meta = bundle_model(args.work_dir, args.out)
        card = osp.join(osp.dirname(args.out), 'MODEL_CARD.md')
        torch.set_num_threads(1)
        write_model_card(meta, args.out, card, score_candidates(args.out))
        print(json.dumps(meta['verify_training'], indent=1))
        print(f'wrote {args.out} ({osp.getsize(args.out) / 1e6:.2f} MB) '
              f'and {card}')
    elif args.what == 'candidates':
        torch.set_num_threads(1)
        rows = score_candidates(args.checkpoint)
        print(candidates_table(rows))
        tracked = np.mean([r['tracked'] for r in rows])
        static = np.mean([r['static'] for r in rows])
        wins = sum(r['tracked'] > r['static'] for r in rows)
        print(f'mean: model {tracked:.3f}, static {static:.3f}; the model '
              f'is above static on {wins} of {len(rows)} clips')
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
