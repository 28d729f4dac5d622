"""apis/video helpers, multi-target tracking and the drawing functions."""
import numpy as np
import pytest

from stark_plugin.apis import SOTInferencer
from stark_plugin.apis.video import track_video
from stark_plugin.errors import InputError
from stark_plugin.fileio.annotations import parse_box_line
from stark_plugin.fileio.annotations import read_first_box as read_bbox_file
from stark_plugin.fileio.frames import natural_key
from stark_plugin.structures.bbox import validate_box
from stark_plugin.visualization import (draw_tracks, draw_unreadable,
                                        target_color)

from .utils import make_frames

OTHER = [100, 80, 20, 20]


@pytest.mark.parametrize('line', [
    '20,40,30,24', '20\t40\t30\t24\n', '20 40 30 24', ' 20, 40,\t30 24 ',
    '20.0,40.0,30.0,24.0\r\n', '20,40,50,40,50,64,20,64'
])
def test_parse_box_line(line):
    assert parse_box_line(line) == [20, 40, 30, 24]


@pytest.mark.parametrize('line',
                         ['1,2,3', '1,2,3,4,5', 'a,b,c,d', '1,2,nan,4'])
def test_parse_box_line_rejects(line):
    with pytest.raises(InputError, match='gt.txt:1: expected 4 numbers'):
        parse_box_line(line, 'gt.txt:1')


def test_read_bbox_file(tmp_path):
    path = tmp_path / 'groundtruth.txt'
    path.write_text('\n  \n5\t6\t7\t8\n1,2,3,4\n')
    assert read_bbox_file(str(path)) == [5, 6, 7, 8]
    path.write_text('\n')
    with pytest.raises(InputError, match='bbox file is empty'):
        read_bbox_file(str(path))


def test_validate_box():
    assert validate_box([-10, -10, 15, 15], (120, 160)) == [-10, -10, 15, 15]
    with pytest.raises(InputError, match=r'box \[159, 0, 0, 5\] is empty'):
        validate_box([159, 0, 0, 5], (120, 160))
    with pytest.raises(InputError,
                       match=r'outside the image .*image size 160x120'):
        validate_box([0, 120, 5, 5], (120, 160))
    with pytest.raises(InputError, match='4 finite numbers'):
        validate_box([0, 1, 2], (120, 160))


def test_natural_key():
    names = ['10.jpg', '2.jpg', '1.jpg', 'img_100.png', 'img_20.png']
    assert sorted(names, key=natural_key) == [
        '1.jpg', '2.jpg', '10.jpg', 'img_20.png', 'img_100.png'
    ]


def _contract_landed() -> bool:
    import inspect
    return 'backend' in inspect.signature(SOTInferencer.__init__).parameters


def test_batched_multi_target_equals_single_target(tiny):
    """Two targets in one inferencer (one batched forward per frame) give
    the boxes of two single-target inferencers."""
    frames, boxes = make_frames(12)
    both = SOTInferencer(tiny)
    assert both.init(frames[0], boxes[0]) == 0
    assert both.init(frames[0], OTHER) == 1
    alone = [SOTInferencer(tiny), SOTInferencer(tiny)]
    alone[0].init(frames[0], boxes[0])
    alone[1].init(frames[0], OTHER)
    for frame in frames[1:]:
        res = both.track(frame)
        assert len(res['targets']) == 2 and res['time'] > 0
        assert res['box'] == res['targets'][0]['box']
        for t, single in enumerate(alone):
            ref = single.track(frame)
            np.testing.assert_allclose(res['targets'][t]['box'], ref['box'],
                                       atol=1e-4)
            assert res['targets'][t]['score'] == pytest.approx(
                ref['score'], abs=1e-4)
    both.reset()
    assert both.init(frames[0], OTHER) == 0


def test_track_video_two_targets_equal_one_by_one(tiny, video):
    runs = [
        list(track_video(tiny, video, [box], max_frames=10))
        for box in (make_frames(1)[1][0], OTHER)
    ]
    together = list(track_video(tiny, video, [make_frames(1)[1][0], OTHER],
                                max_frames=10))
    assert [r['frame_index'] for r in together] == list(range(10))
    for i, res in enumerate(together):
        assert len(res['boxes']) == len(res['scores']) == 2
        for t in range(2):
            np.testing.assert_allclose(res['boxes'][t], runs[t][i]['boxes'][0],
                                       atol=1e-4)
            assert res['scores'][t] == pytest.approx(
                runs[t][i]['scores'][0], abs=1e-4)


def test_track_video_reuses_an_inferencer(tiny, video):
    inferencer = SOTInferencer(tiny)
    first = [r['boxes'] for r in track_video(inferencer, video, OTHER,
                                             max_frames=4)]
    again = [r['boxes'] for r in track_video(inferencer, video, OTHER,
                                             max_frames=4)]
    assert first == again and len(first[0]) == 1


def test_target_colors_distinct():
    colors = [target_color(i) for i in range(12)]
    assert len(set(colors)) == 12
    assert all(all(0 <= c <= 255 for c in col) for col in colors)


def test_draw_tracks():
    frame = np.full((120, 160, 3), 50, np.uint8)
    out = draw_tracks(frame, [[40, 50, 30, 20], [100, 60, 20, 30]],
                      [0.9, 0.5], frame_index=7, fps=12.5)
    assert (frame == 50).all()  # the input is not drawn on
    assert tuple(out[70, 55]) == target_color(0)  # bottom edge, target 0
    assert tuple(out[75, 100]) == target_color(1)  # left edge, target 1
    assert (out[80:100, 60:90] == 50).all()  # away from boxes and labels
    assert (out[2:12, 2:60] != 50).any()  # the frame / fps header
    blank = draw_unreadable((160, 120), 3)
    assert blank.shape == (120, 160, 3) and blank.any()


class _FakeCap:
    """A capture whose reads fail at the given indices (and at the end)."""

    def __init__(self, num, bad):
        self.num, self.bad, self.pos = num, set(bad), 0

    def read(self):
        i, self.pos = self.pos, self.pos + 1
        if i >= self.num or i in self.bad:
            return False, None
        return True, np.full((4, 4, 3), i, np.uint8)

    def grab(self):
        return self.read()[0]

    def release(self):
        pass


def test_capture_source_failed_reads_keep_numbering(video):
    from stark_plugin.fileio.video import CaptureSource
    src = CaptureSource(video)
    assert (src.num_frames, src.fps, src.width, src.height) == (30, 25, 160,
                                                                120)
    src.close()
    # frames 3 and 4 fail inside the video; 8, 9 past the real end while
    # the header says 10: the first two become None, the last two end it
    src.cap, src.num_frames = _FakeCap(8, {3, 4}), 10
    with pytest.warns(UserWarning) as record:
        got = [(i, None if f is None else int(f[0, 0, 0]))
               for i, f in src.frames()]
    assert got == [(0, 0), (1, 1), (2, 2), (3, None), (4, None), (5, 5),
                   (6, 6), (7, 7)]
    messages = [str(w.message) for w in record]
    assert any('frame 3 of' in m and 'unreadable' in m for m in messages)
    assert any('reading stopped at frame 8 (the header says 10' in m
               for m in messages)
    src.cap = _FakeCap(8, {3, 4})
    with pytest.warns(UserWarning) as record:
        assert [i for i, _ in src.frames(start_frame=2, max_frames=3)] == [
            2, 3, 4
        ]
    assert ['frame 3 of' in str(w.message) for w in record] == [True, False]
