"""demo_sot.py end to end: outputs, inputs and every bad input."""
import math
import os
import os.path as osp

import cv2
import numpy as np
import pytest
import torch

from .utils import (BOX0, H, TINY, W, make_frames, read_txt, read_video,
                    run_demo_subprocess, write_video)


def _no_partials(folder) -> bool:
    return not any('.partial' in f for f in os.listdir(folder))


def test_video_end_to_end_subprocess(video, tmp_path):
    out, txt = tmp_path / 'out.mp4', tmp_path / 'res.txt'
    proc = run_demo_subprocess(video, '--config', TINY, '--random-weights',
                               '--bbox', *BOX0,
                               '--out', out, '--out-txt', txt)
    assert proc.returncode == 0, proc.stderr
    num, size, fps = read_video(str(out))
    assert (num, size) == (30, (W, H))
    assert fps == pytest.approx(25, abs=0.01)
    rows = read_txt(str(txt))
    assert [r[:2] for r in rows] == [[i, 0] for i in range(30)]
    assert rows[0][2:] == [*BOX0, 1.0]  # the first frame: the initial box
    assert all(math.isfinite(v) for r in rows for v in r)
    assert 'frames: 30' in proc.stdout and 'mean fps' in proc.stdout
    assert 'mean score' in proc.stdout
    assert _no_partials(tmp_path)


def test_two_targets_start_and_max_frames(run_demo, video, tmp_path):
    out, txt = tmp_path / 'two.mp4', tmp_path / 'two.txt'
    frames, boxes = make_frames()
    other = [100, 80, 20, 20]
    code, stdout, err = run_demo(video, '--bbox', *boxes[5], '--bbox',
                                 *other, '--start-frame', 5, '--max-frames',
                                 10, '--out', out, '--out-txt', txt)
    assert code == 0, err
    rows = read_txt(str(txt))
    assert [r[:2] for r in rows] == [[f, t] for f in range(5, 15)
                                     for t in (0, 1)]
    assert rows[1][2:6] == other
    assert read_video(str(out))[:2] == (10, (W, H))
    assert 'frames: 10, targets: 2' in stdout


def test_folder_natural_order_and_bbox_file(run_demo, frame_folder,
                                            tmp_path):
    gt = tmp_path / 'groundtruth.txt'
    gt.write_text('20\t40\t30\t24\n21,41,30,24\n')
    out, txt = tmp_path / 'f.mp4', tmp_path / 'f.txt'
    code, _, err = run_demo(frame_folder, '--bbox-file', gt, '--out', out,
                            '--out-txt', txt)
    assert code == 0, err
    num, size, fps = read_video(str(out))
    assert (num, size, fps) == (12, (W, H), 30)
    rows = read_txt(str(txt))
    assert [r[0] for r in rows] == list(range(12))
    assert rows[0][2:6] == BOX0


def test_folder_source_natural_sort(frame_folder):
    from stark_plugin.fileio.video import FolderSource
    src = FolderSource(frame_folder)
    names = [osp.basename(p) for p in src.files]
    assert names == [f'{i}.jpg' for i in range(1, 13)]
    # frame k shows the object where make_frames put it in frame k
    _, boxes = make_frames(12)
    for index, frame in src.frames(start_frame=9):
        x, y = boxes[index][:2]
        assert frame[y + 3, x + 3].tolist() == pytest.approx([40, 200, 250],
                                                             abs=40)


# -- bad input ---------------------------------------------------------------
def test_threads_option(run_demo, video):
    before = torch.get_num_threads()
    try:
        code, out, err = run_demo(video, '--bbox', *BOX0, '--max-frames', 3,
                                  '--threads', before + 1)
        assert code == 0, err
        assert f'CPU threads: {before + 1}' in out
    finally:
        torch.set_num_threads(before)
    code, _, err = run_demo(video, '--bbox', *BOX0, '--threads', 0)
    assert code == 2 and '--threads must be at least 1, got 0' in err


def test_missing_video(run_demo, tmp_path):
    missing = tmp_path / 'nope.mp4'
    code, _, err = run_demo(missing, '--bbox', *BOX0)
    assert code == 2
    assert err.strip().splitlines()[-1] == \
        f'error: input not found: {missing} (expected a video file, a ' \
        f'folder of frames or a webcam index)'


def test_not_a_video(run_demo, tmp_path):
    bad = tmp_path / 'bad.mp4'
    bad.write_bytes(b'not a video at all' * 100)
    code, _, err = run_demo(bad, '--bbox', *BOX0)
    assert code == 2 and f'error: cannot open video {bad}' in err


def test_corrupt_frame_warns_and_keeps_numbering(run_demo, tmp_path):
    folder = tmp_path / 'frames'
    folder.mkdir()
    for i, f in enumerate(make_frames(8)[0]):
        cv2.imwrite(str(folder / f'{i:05d}.png'), f)
    (folder / '00003.png').write_bytes(b'\x89PNG garbage')
    out, txt = tmp_path / 'c.mp4', tmp_path / 'c.txt'
    code, _, err = run_demo(folder, '--bbox', *BOX0, '--out', out,
                            '--out-txt', txt)
    assert code == 0, err
    assert (f'warning: frame 3 of {folder} is unreadable: cannot decode '
            f'00003.png') in err
    rows = read_txt(str(txt))
    assert [r[0] for r in rows] == list(range(8))
    assert rows[3][2:6] == rows[2][2:6] and rows[3][6] == 0  # held box
    assert read_video(str(out))[0] == 8


@pytest.mark.parametrize('box,what', [
    ((20, 40, 0, 24), 'is empty'),
    ((20, 40, 30, -5), 'is empty'),
    ((200, 40, 30, 24), 'is outside the image'),
    ((-40, 10, 30, 24), 'is outside the image'),
])
def test_bad_box(run_demo, video, tmp_path, box, what):
    out = tmp_path / 'o.mp4'
    code, _, err = run_demo(video, '--bbox', *box, '--out', out)
    assert code == 2
    line = err.strip().splitlines()[-1]
    assert line.startswith('error: box 0 [')
    assert what in line and 'image size 160x120' in line
    assert str(box[0]) in line
    assert not out.exists() and _no_partials(tmp_path)


def test_output_folder_missing(run_demo, video, tmp_path):
    for flag in ('--out', '--out-txt'):
        target = tmp_path / 'no_such_dir' / 'o.mp4'
        code, _, err = run_demo(video, '--bbox', *BOX0, flag, target)
        assert code == 2
        assert (f'error: {flag} folder does not exist: '
                f'{tmp_path / "no_such_dir"}') in err


def test_headless_without_box_subprocess(video):
    proc = run_demo_subprocess(video, '--config', TINY, '--random-weights')
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        'error: no initial box: give --bbox X Y W H or --bbox-file FILE (no '
        'display for interactive selection)')


def test_show_without_display(run_demo, video):
    code, _, err = run_demo(video, '--bbox', *BOX0, '--show')
    assert code == 2 and 'error: --show needs a display' in err


def test_missing_config_and_checkpoint(demo_main, run_demo, video, tmp_path,
                                       capsys):
    code = demo_main([video, '--config', str(tmp_path / 'no.py'),
                      '--random-weights', '--bbox',
                      *map(str, BOX0)])
    assert code == 2
    assert f'error: config file not found: {tmp_path / "no.py"}' in \
        capsys.readouterr().err
    code, _, err = run_demo(video, '--bbox', *BOX0, '--checkpoint',
                            tmp_path / 'no.pth')
    assert code == 2
    assert f'error: checkpoint file not found: {tmp_path / "no.pth"}' in err


def test_checkpoint_that_does_not_fit(run_demo, tiny, video, tmp_path):
    sd = dict(tiny.state_dict())
    sd.pop('head.query_embedding.weight')
    path = tmp_path / 'bad.pth'
    torch.save(dict(state_dict=sd), path)
    code, _, err = run_demo(video, '--bbox', *BOX0, '--checkpoint', path)
    assert code == 2
    assert f'error: {path} does not fit the model: 1 missing key(s): ' \
        'head.query_embedding.weight' in err


def test_bad_bbox_file(run_demo, video, tmp_path):
    gt = tmp_path / 'gt.txt'
    gt.write_text('\n12,abc,3,4\n')
    code, _, err = run_demo(video, '--bbox-file', gt)
    assert code == 2
    assert f"error: {gt}:2: expected 4 numbers x,y,w,h, got '12,abc,3,4'" \
        in err
    code, _, err = run_demo(video, '--bbox-file', tmp_path / 'none.txt')
    assert code == 2 and 'bbox file not found' in err


def test_start_frame_past_the_end(run_demo, video):
    code, _, err = run_demo(video, '--bbox', *BOX0, '--start-frame', 99)
    assert code == 2 and 'is past the end' in err


def test_error_midway_removes_partial_outputs(run_demo, video, tmp_path,
                                              monkeypatch):
    from stark_plugin.apis import video as video_mod
    calls = []
    orig = video_mod._Targets.track

    def failing(self, frame):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError('boom')
        return orig(self, frame)

    monkeypatch.setattr(video_mod._Targets, 'track', failing)
    out, txt = tmp_path / 'o.mp4', tmp_path / 'o.txt'
    with pytest.raises(RuntimeError, match='boom'):
        run_demo(video, '--bbox', *BOX0, '--out', out, '--out-txt', txt)
    assert os.listdir(tmp_path) == []


def test_interrupt_leaves_clearly_named_partial(run_demo, video, tmp_path,
                                                monkeypatch):
    from stark_plugin.apis import video as video_mod
    orig = video_mod._Targets.track
    calls = []

    def interrupted(self, frame):
        calls.append(1)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return orig(self, frame)

    monkeypatch.setattr(video_mod._Targets, 'track', interrupted)
    out, txt = tmp_path / 'o.mp4', tmp_path / 'o.txt'
    code, _, err = run_demo(video, '--bbox', *BOX0, '--out', out,
                            '--out-txt', txt)
    assert code == 130 and 'interrupted; partial output left at' in err
    assert sorted(os.listdir(tmp_path)) == ['o.partial.mp4', 'o.partial.txt']
    assert len(read_txt(str(tmp_path / 'o.partial.txt'))) == 4


def test_webcam_index_without_camera(run_demo):
    from stark_plugin.fileio.video import CaptureSource, open_source
    try:
        src = open_source('7')
    except ValueError as err:
        assert str(err) == 'cannot open webcam 7'
    else:  # a machine with 8 cameras
        assert isinstance(src, CaptureSource) and src.is_webcam
        src.close()
    code, _, err = run_demo('7', '--bbox', *BOX0)
    assert code == 2 and 'webcam 7' in err


def test_target_leaving_the_frame_stays_finite(tiny, tmp_path):
    from stark_plugin.apis.video import track_video
    frames, boxes = make_frames(20, speed=(6, 2), start=(110, 60))
    path = write_video(str(tmp_path / 'leaving.mp4'), frames)
    results = list(track_video(tiny, path, boxes[0]))
    assert len(results) == 20
    assert boxes[12][0] > W  # the object is gone by then
    for res in results[1:]:
        (x, y, w, h), = res['boxes']
        assert all(math.isfinite(v) for v in (x, y, w, h, *res['scores']))
        assert 0 <= x < W and 0 <= y < H and w > 0 and h > 0
        assert x + w <= W + 1e-6 and y + h <= H + 1e-6


def test_non_finite_tracker_output_is_replaced(tiny, video):
    from stark_plugin.apis.video import track_video

    class NanInferencer:
        def reset(self):
            pass

        def init(self, frame, box):
            return 0

        def track(self, frame):
            return dict(box=[float('nan'), 1.0, 2.0, 3.0], score=0.7)

    with pytest.warns(UserWarning, match='non-finite box'):
        results = list(track_video(NanInferencer(), video, BOX0,
                                   max_frames=3))
    assert [r['boxes'] for r in results] == [[BOX0]] * 3
    assert np.isfinite(results[-1]['scores']).all()


def test_interactive_selection_on_the_start_frame(run_demo, video, tmp_path,
                                                  monkeypatch):
    from stark_plugin.errors import InputError
    from stark_plugin.visualization import interactive as video_mod
    seen = []

    def select(frame):
        seen.append(frame)
        return [make_frames()[1][5]]

    monkeypatch.setattr(video_mod, 'has_display', lambda: True)
    monkeypatch.setattr(video_mod, 'select_boxes', select)
    txt = tmp_path / 'sel.txt'
    code, _, err = run_demo(video, '--start-frame', 5, '--max-frames', 3,
                            '--out-txt', txt)
    assert code == 0, err
    assert len(seen) == 1 and seen[0].shape == (H, W, 3)
    x, y = make_frames()[1][5][:2]  # the object of frame 5 is in the frame
    assert seen[0][y + 3, x + 3].tolist() == pytest.approx([40, 200, 250],
                                                           abs=40)
    rows = read_txt(str(txt))
    assert [r[0] for r in rows] == [5, 6, 7]
    assert rows[0][2:6] == make_frames()[1][5]

    def cancelled(frame):
        raise InputError('no box selected')

    monkeypatch.setattr(video_mod, 'select_boxes', cancelled)
    code, _, err = run_demo(video)
    assert code == 2 and err.strip().endswith('error: no box selected')
