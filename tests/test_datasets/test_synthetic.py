import hashlib
import os
import os.path as osp
import runpy
import sys

import numpy as np
import pytest

from stark_plugin.datasets import GOT10kDataset
from stark_plugin.datasets.synthetic import make_synthetic_got10k

TOOL = osp.join(osp.dirname(__file__), '..', '..', 'tools', 'misc',
                'make_synthetic_sot.py')


def _digest(root):
    h = hashlib.md5()
    for dirpath, _, files in sorted(os.walk(root)):
        for name in sorted(files):
            with open(osp.join(dirpath, name), 'rb') as f:
                h.update(name.encode() + f.read())
    return h.hexdigest()


def test_layout_and_labels(synth_root):
    for split, n in (('train', 4), ('val', 2)):
        with open(osp.join(synth_root, split, 'list.txt')) as f:
            names = f.read().split()
        assert len(names) == n
        seq = osp.join(synth_root, split, names[0])
        for fname in ('groundtruth.txt', 'absence.label', 'cover.label',
                      'cut_by_image.label', 'meta_info.ini', '00000001.jpg',
                      '00000024.jpg'):
            assert osp.isfile(osp.join(seq, fname)), fname
    ds = GOT10kDataset(data_root=synth_root, split='train')
    absent_total = 0
    for i in range(ds.num_videos):
        v = ds.get_video(i)
        absence, cover = v['metainfo']['absence'], v['metainfo']['cover']
        assert ((cover >= 0) & (cover <= 8)).all()
        assert (cover[absence] == 0).all()
        assert (v['gt_bboxes'][absence] == -1).all()
        present = v['gt_bboxes'][~absence]
        assert (present[:, 2:] > 0).all()
        absent_total += absence.sum()
        # the target moves and changes size/aspect
        assert np.ptp(present[:, 0]) > 2
        assert np.ptp(present[:, 2] / present[:, 3]) > 0.01
        assert (cover[~absence] < 8).any()  # partial occlusion happens
    assert absent_total > 0


def test_deterministic(tmp_path):
    a, b, c = (str(tmp_path / k) for k in 'abc')
    make_synthetic_got10k(a, 2, 6, seed=7, num_val_videos=1, size=(64, 48))
    make_synthetic_got10k(b, 2, 6, seed=7, num_val_videos=1, size=(64, 48))
    make_synthetic_got10k(c, 2, 6, seed=8, num_val_videos=1, size=(64, 48))
    assert _digest(a) == _digest(b) != _digest(c)


def test_tool_cli(tmp_path, capsys, monkeypatch):
    out = str(tmp_path / 'out')
    monkeypatch.setattr(sys, 'argv', [
        TOOL, '--out', out, '--videos', '2', '--frames', '5', '--seed', '1',
        '--val-videos', '1', '--size', '64', '48'
    ])
    try:
        runpy.run_path(TOOL, run_name='__main__')
    except SystemExit as e:
        assert e.code == 0
    text = capsys.readouterr().out
    assert 'train 2/2' in text and 'wrote 2 train and 1 val' in text
    assert len(os.listdir(osp.join(out, 'train'))) == 3  # 2 + list.txt


def test_val_frames(tmp_path):
    out = str(tmp_path / 'v')
    make_synthetic_got10k(out, 1, 6, seed=3, num_val_videos=1, size=(64, 48),
                          num_val_frames=9)

    def count(split):
        seq = osp.join(out, split, sorted(os.listdir(
            osp.join(out, split)))[0])
        with open(osp.join(seq, 'groundtruth.txt')) as f:
            rows = f.read().split()
        jpgs = [n for n in os.listdir(seq) if n.endswith('.jpg')]
        assert len(rows) == len(jpgs)
        return len(rows)

    assert (count('train'), count('val')) == (6, 9)
    with pytest.raises(ValueError, match='val frames must be at least 2'):
        make_synthetic_got10k(out, 1, 6, num_val_frames=1)


def test_rich_style_leaves_the_frame_and_comes_back():
    from stark_plugin.datasets.synthetic import render_video
    size = (160, 120)
    exits = truncated = 0
    for i in range(6):
        rng = np.random.default_rng([11, i])
        frames, boxes, absence, cover, cut = render_video(
            rng, 80, size, with_absence=False, style='rich')
        seen = absence == 0
        b = boxes[seen]
        # annotated boxes are the visible part: inside the image
        assert (b[:, 0] >= 0).all() and (b[:, 1] >= 0).all()
        assert (b[:, 0] + b[:, 2] <= size[0] + 1e-6).all()
        assert (b[:, 1] + b[:, 3] <= size[1] + 1e-6).all()
        assert (boxes[~seen] == -1).all() and (cover[~seen] == 0).all()
        # out of the frame (absent without with_absence) and back in view
        gone = np.flatnonzero(~seen)
        if gone.size and gone[-1] < len(seen) - 1:
            exits += 1
        truncated += int(cut.sum() > 0)  # partly outside the image
    assert exits >= 1 and truncated >= 1
    with pytest.raises(ValueError, match='style'):
        render_video(np.random.default_rng(0), 4, size, style='fancy')


def test_basic_style_is_unchanged_by_the_rich_option():
    from stark_plugin.datasets.synthetic import render_video
    a = render_video(np.random.default_rng([3, 1]), 12, (96, 72))
    b = render_video(np.random.default_rng([3, 1]), 12, (96, 72),
                     style='basic')
    c = render_video(np.random.default_rng([3, 1]), 12, (96, 72),
                     style='rich')
    assert all(np.array_equal(x, y) for x, y in zip(a[0], b[0]))
    assert not all(np.array_equal(x, y) for x, y in zip(a[0], c[0]))


def test_lissajous_style_crosses_the_border_and_is_never_absent():
    """The speed benchmark's sequence: one object on a Lissajous path that
    reaches the border; the whole object is the box (partly outside)."""
    from stark_plugin.datasets.synthetic import render_video
    size = (160, 120)
    frames, boxes, absence, cover, cut = render_video(
        np.random.default_rng(4), 40, size, style='lissajous')
    assert len(frames) == 40 and frames[0].shape == (120, 160, 3)
    assert (absence == 0).all() and (boxes[:, 2:] == (20, 15)).all()
    outside = (boxes[:, 0] < 0) | (boxes[:, 0] + boxes[:, 2] > size[0])
    assert outside.any() and (cut == outside).all()
    assert (cover[~outside] == 8).all() and cover.min() < 8
    again = render_video(np.random.default_rng(4), 40, size,
                         style='lissajous')
    assert all(np.array_equal(x, y) for x, y in zip(frames, again[0]))
