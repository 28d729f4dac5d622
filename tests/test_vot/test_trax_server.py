"""``python -m stark_plugin.vot`` driven by vot-trax's client, as the VOT
toolkit drives it: the boxes it reports are SOTInferencer's on the same
frames, for one target and for several (one batch, targets added on a
later frame, a mask target answered with masks); bad input ends the
session with a clear error and a non-zero exit."""
import contextlib
import os
import os.path as osp
import subprocess
from typing import Iterator, List

import numpy as np
import pytest
import torch
from stark_plugin.testing.tool_process import start_tool

from stark_plugin.apis import SOTInferencer, init_model
from stark_plugin.fileio.frames import read_frame
from stark_plugin.datasets.synthetic_vot import make_synthetic_vot
from stark_plugin.fileio.vot import VOTMask, mask_from_box, read_sequence
from stark_plugin.vot.regions import box_from_region

trax = pytest.importorskip('trax', reason='vot-trax (requirements/vot.txt)')
pytestmark = pytest.mark.slow  # each test starts a tracker process (~10 s)
from trax.client import Client  # noqa: E402
from trax.image import FileImage  # noqa: E402
from trax.region import Mask, Polygon, Rectangle  # noqa: E402

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', 'sot', 'stark', 'stark_st2_tiny_synth.py')
CHECKPOINT = osp.join(REPO, 'stark_plugin', 'assets',
                      'stark_st_tiny_synth_rich.pth')
#: TraX sends rectangles as text with 4 decimals
TEXT_ATOL = 1e-4


@pytest.fixture(scope='module')
def sequence(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('vot_seq'))
    make_synthetic_vot(root, 1, 8, size=(128, 96), regions=('rectangle', ))
    seq = read_sequence(osp.join(root, 'synthetic01'))
    frames = [osp.join(seq.path, 'color', f'{i + 1:08d}.jpg')
              for i in range(seq.length)]
    return seq, frames


@pytest.fixture(scope='module')
def model():
    return init_model(CONFIG, CHECKPOINT)


def _env() -> dict:
    path = os.pathsep.join([REPO, os.environ.get('PYTHONPATH', '')])
    env = {k: v for k, v in os.environ.items()
           if not k.startswith('STARK_VOT_')}
    return dict(env, PYTHONPATH=path)


@contextlib.contextmanager
def _server(tmp_path, *args: str) -> Iterator[tuple]:
    """The tracker process and a connected client; stderr to a file."""
    err = tmp_path / 'server.err'
    err.touch()
    log = open(err)
    proc = start_tool(
        ['-m', 'stark_plugin.vot', '--config', CONFIG, '--checkpoint',
         CHECKPOINT, '--threads', str(torch.get_num_threads()), *args],
        stderr=str(err), cwd=REPO, env=_env())
    client = None
    try:
        # vot-trax 4's client needs a log callback (log=False fails)
        client = Client(stream=(proc.stdin.fileno(), proc.stdout.fileno()),
                        log=lambda text: None)
        yield proc, client, log
    finally:
        if client is not None and proc.poll() is None:
            with contextlib.suppress(Exception):
                client.quit()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=60)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.close()
        log.close()


def _image(path: str) -> dict:
    return {'color': FileImage.create(path)}


def _box(region) -> List[float]:
    assert region.type == 'rectangle'
    return list(region.bounds())


def test_one_target_single_object_protocol(tmp_path, sequence, model):
    seq, frames = sequence
    init = [float(v) for v in seq.groundtruth[0]]
    reference = SOTInferencer(model)
    reference.init(read_frame(frames[0]), init)
    with _server(tmp_path, '--single-object') as (proc, client, _):
        assert client.get('multiobject') is False
        assert set(client.region_formats) == {'rectangle', 'polygon',
                                              'mask'}
        status, _ = client.initialize(
            _image(frames[0]), [(Rectangle.create(*init), {})], {})
        np.testing.assert_allclose(_box(status[0][0]), init,
                                   atol=TEXT_ATOL)
        for path in frames[1:]:
            status, _ = client.frame(_image(path), {}, [])
            expected = reference.track(read_frame(path))
            assert len(status) == 1
            np.testing.assert_allclose(_box(status[0][0]), expected['box'],
                                       atol=TEXT_ATOL)
            assert float(status[0][1]['confidence']) == pytest.approx(
                expected['score'], abs=1e-6)
        client.quit()
        assert proc.wait(timeout=60) == 0


def _mask_pixels(region) -> VOTMask:
    assert region.type == 'mask'
    return VOTMask(region.array(), tuple(region.offset()))


def test_several_targets_in_one_batch(tmp_path, sequence, model):
    """Targets A (rectangle) and B (mask) from frame 0, C (polygon) from
    frame 3."""
    seq, frames = sequence
    box_a = [float(v) for v in seq.groundtruth[0]]
    mask_b = mask_from_box([10, 12, 30, 20], 128, 96)
    box_b = box_from_region(mask_b)
    box_c = [60.5, 40.25, 24.0, 18.0]
    poly_c = [(60.5, 50.0), (72.0, 40.25), (84.5, 52.0), (70.0, 58.25)]
    add_c = 3
    reference = SOTInferencer(model)
    first = read_frame(frames[0])
    reference.init(first, box_a)
    reference.init(first, box_b)
    with _server(tmp_path) as (proc, client, _):
        assert client.get('multiobject') is True
        status, _ = client.initialize(_image(frames[0]), [
            (Rectangle.create(*box_a), {}),
            (Mask.create(mask_b.mask, *mask_b.offset), {})], {})
        assert [r.type for r, _ in status] == ['rectangle', 'mask']
        for i, path in enumerate(frames[1:], 1):
            frame = read_frame(path)
            new = [(Polygon.create(poly_c), {})] if i == add_c else []
            status, _ = client.frame(_image(path), {}, new)
            expected = reference.track(frame)['targets']
            if i == add_c:
                reference.init(frame, box_c)
                expected.append(dict(box=box_c))
            assert len(status) == len(expected)
            np.testing.assert_allclose(_box(status[0][0]),
                                       expected[0]['box'], atol=TEXT_ATOL)
            got_b = _mask_pixels(status[1][0])
            want_b = mask_from_box(expected[1]['box'], 128, 96)
            assert got_b.offset == want_b.offset
            assert np.array_equal(got_b.mask, want_b.mask)
            if len(status) == 3:
                np.testing.assert_allclose(_box(status[2][0]),
                                           expected[2]['box'],
                                           atol=TEXT_ATOL)
        # a new initialize starts over: one target again
        status, _ = client.initialize(
            _image(frames[2]), [(Rectangle.create(*box_a), {})], {})
        assert len(status) == 1
        status, _ = client.frame(_image(frames[3]), {}, [])
        assert len(status) == 1


def test_unreadable_frame_ends_the_session(tmp_path, sequence):
    _, frames = sequence
    broken = tmp_path / 'broken.jpg'
    broken.write_bytes(b'not an image')
    with _server(tmp_path) as (proc, client, log):
        client.initialize(_image(frames[0]),
                          [(Rectangle.create(20, 20, 30, 20), {})], {})
        with pytest.raises(trax.TraxException, match='cannot decode frame'):
            client.frame(_image(str(broken)), {}, [])
        assert proc.wait(timeout=60) == 1
        log.seek(0)
        last = log.read().strip().splitlines()[-1]
    assert last.startswith('error: frame 2 of the session') and \
        str(broken) in last


def test_empty_mask_is_refused(tmp_path, sequence):
    _, frames = sequence
    empty = np.zeros((5, 5), np.uint8)
    with _server(tmp_path) as (proc, client, _):
        with pytest.raises(trax.TraxException, match='empty'):
            client.initialize(_image(frames[0]),
                              [(Mask.create(empty, 3, 4), {})], {})
        assert proc.wait(timeout=60) == 1
