"""stark_plugin.fileio.vot: the VOT sequence folder, list.txt and the
toolkit's text and binary trajectory files (mixed.bin / mixed.txt were
written by vot-toolkit 0.9.0, see toolkit_refs/make_toolkit_refs.py)."""
import os.path as osp
import struct

import numpy as np
import pytest

from stark_plugin.fileio import vot as vot_io

DATA = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'data',
                'vot_metrics')
REFS = osp.join(DATA, 'toolkit_refs')


def _same(a, b) -> bool:
    if isinstance(a, vot_io.VOTMask) or isinstance(b, vot_io.VOTMask):
        return (isinstance(a, vot_io.VOTMask) and isinstance(b, vot_io.VOTMask)
                and tuple(a.offset) == tuple(b.offset)
                and np.array_equal(a.mask, b.mask))
    return np.array_equal(np.asarray(a), np.asarray(b))


def test_parse_every_region_kind():
    assert vot_io.parse_region('1') == 1 and vot_io.parse_region('2') == 2
    rect = vot_io.parse_region('12.34000015258789,0.5,3,4')
    assert rect.dtype == np.float32 and rect.tolist()[1:] == [0.5, 3, 4]
    assert vot_io.parse_region('nan,nan,nan,nan') == 0
    poly = vot_io.parse_region('0,0,10,0,10,5')
    assert poly.shape == (3, 2)
    mask = vot_io.parse_region('m3,4,3,2,1,4,1')
    assert mask.offset == (3, 4)
    assert mask.mask.tolist() == [[0, 1, 1], [1, 1, 0]]


@pytest.mark.parametrize('line,message', [
    ('1,2,3', '3 values'), ('1,2,3,4,5', '5 values'),
    ('1.5', 'integer'), ('a,b,c,d', 'cannot parse'), ('', 'empty line'),
    ('1,inf,2,3', 'infinite'), ('m0,0,2,2,9', 'RLE')])
def test_malformed_lines_name_file_and_line(tmp_path, line, message):
    path = tmp_path / 'traj.txt'
    path.write_text(f'1\n4,5,6,7\n{line}\n')
    with pytest.raises(ValueError, match=message) as err:
        vot_io.read_trajectory(str(path))
    assert f'{path}:3' in str(err.value)


def test_point_regions_are_not_implemented(tmp_path):
    path = tmp_path / 'points.txt'
    path.write_text('1\n4.5,6\n')
    with pytest.raises(NotImplementedError, match=f'{path}:2: point'):
        vot_io.read_trajectory(str(path))
    path = tmp_path / 'points.bin'
    path.write_bytes(struct.pack('<hIBff', 1, 1, 4, 1.0, 2.0))
    with pytest.raises(NotImplementedError, match='region 1: point'):
        vot_io.read_trajectory(str(path))
    path.write_bytes(struct.pack('<hIB', 1, 1, 9))
    with pytest.raises(ValueError, match='unknown region type 9'):
        vot_io.read_trajectory(str(path))


def test_missing_files_raise(tmp_path):
    with pytest.raises(FileNotFoundError, match='no such file'):
        vot_io.read_trajectory(str(tmp_path / 'none.txt'))
    with pytest.raises(FileNotFoundError, match='no such sequence folder'):
        vot_io.read_sequence(str(tmp_path / 'nothing'))
    with pytest.raises(FileNotFoundError, match='runs'):
        vot_io.read_runs(str(tmp_path), 'seq')
    with pytest.raises(FileNotFoundError, match='anchor 50'):
        vot_io.read_anchor_runs(str(tmp_path), 'seq', [50])


def test_toolkit_binary_equals_toolkit_text():
    binary = vot_io.read_trajectory(osp.join(REFS, 'mixed.bin'))
    text = vot_io.read_trajectory(osp.join(REFS, 'mixed.txt'))
    assert len(binary) == len(text) == 13
    assert all(_same(a, b) for a, b in zip(binary, text))
    assert binary[4].mask.shape == (300, 300)  # RLE run split at 255 * 255


def test_writers_reproduce_the_toolkit_files(tmp_path):
    regions = vot_io.read_trajectory(osp.join(REFS, 'mixed.bin'))
    for name in ('mixed.bin', 'mixed.txt'):
        out = tmp_path / name
        vot_io.write_trajectory(str(out), regions)
        with open(osp.join(REFS, name), 'rb') as f:
            assert out.read_bytes() == f.read(), name


def test_binary_round_trip(tmp_path):
    rng = np.random.default_rng(1)
    regions = [1, rng.uniform(0, 100, 4).astype(np.float32), 2, 0, 0,
               rng.uniform(0, 100, (5, 2)).astype(np.float32),
               vot_io.VOTMask((rng.random((7, 9)) < 0.5).astype(np.uint8),
                              (-3, 12)), 1, 0]
    path = str(tmp_path / 'run.txt')
    vot_io.write_trajectory(path, regions, binary=True)
    assert open(path, 'rb').read(2) == struct.pack('<h', 1)
    back = vot_io.read_trajectory(path)
    assert all(_same(a, b) for a, b in zip(regions, back))
    with open(path, 'rb') as f:
        data = f.read()
    (tmp_path / 'cut.bin').write_bytes(data[:-3])
    with pytest.raises(ValueError, match='truncated binary'):
        vot_io.read_trajectory(str(tmp_path / 'cut.bin'))


def test_text_round_trip_keeps_float32_values(tmp_path):
    path = str(tmp_path / 'run.txt')
    regions = [1, np.array([12.34, 5.5, 10.01, 3], np.float32), 2, 0]
    vot_io.write_trajectory(path, regions)
    assert open(path).read().splitlines()[:2] == [
        '1', '12.34000015258789,5.5,10.010000228881836,3.0']
    assert all(_same(a, b) for a, b in
               zip(regions, vot_io.read_trajectory(path)))


def test_fixture_sequence_folder():
    names = vot_io.read_sequence_list(osp.join(DATA, 'sequences'))
    seqs = vot_io.read_dataset(osp.join(DATA, 'sequences'))
    assert [s.name for s in seqs] == names
    for seq in seqs:
        assert seq.length == int(seq.metadata['length'])
        assert (seq.width, seq.height) == (int(seq.metadata['width']),
                                           int(seq.metadata['height']))
        assert len(seq.values['anchor']) == seq.length
        with open(osp.join(seq.path, 'groundtruth.txt')) as f:
            lines = f.read().splitlines()
        for line, region in zip(lines, seq.groundtruth):
            if 'nan' in line:
                assert region == 0
            else:
                assert np.allclose(region, [float(v) for v in
                                            line.split(',')])


def _folder(tmp_path, meta='width=10\nheight=8\nlength=4\n', gt='1,1,2,2\n'):
    root = tmp_path / 'seq'
    root.mkdir()
    if meta is not None:
        (root / 'sequence').write_text(meta)
    (root / 'groundtruth.txt').write_text(gt)
    return root


def test_sequence_pads_groundtruth_tags_and_values(tmp_path):
    root = _folder(tmp_path)
    (root / 'occlusion.tag').write_text('0\n1\n')
    (root / 'camera_motion.label').write_text('1\n')
    (root / 'anchor.value').write_text('1\n0\n-1\n')
    seq = vot_io.read_sequence(str(root))
    assert seq.name == 'seq' and seq.length == 4
    assert seq.groundtruth[1:] == [0, 0, 0]
    assert seq.tags['occlusion'].tolist() == [False, True, False, False]
    assert seq.tags['camera_motion'].tolist() == [True, False, False, False]
    assert seq.values['anchor'].tolist() == [1, 0, -1, 0]


def test_sequence_errors(tmp_path):
    root = _folder(tmp_path, gt='1,1,2,2\n' * 5)
    with pytest.raises(ValueError, match='5 regions for 4 frames'):
        vot_io.read_sequence(str(root))
    (root / 'groundtruth.txt').write_text('1,1,2,2\n')
    (root / 'x.tag').write_text('0\nyes\n')
    with pytest.raises(ValueError, match=r'x.tag:2: invalid value'):
        vot_io.read_sequence(str(root))
    (root / 'x.tag').unlink()
    (root / 'sequence').write_text('width=10\nthis is not a property\n')
    with pytest.raises(ValueError, match=r'sequence:2: expected key=value'):
        vot_io.read_sequence(str(root))
    (root / 'sequence').write_text('width=ten\n')
    with pytest.raises(ValueError, match="width='ten' is not an integer"):
        vot_io.read_sequence(str(root))
    (root / 'sequence').unlink()
    (root / 'groundtruth_a.txt').write_text('1,1,2,2\n')
    with pytest.raises(NotImplementedError, match='multi-object'):
        vot_io.read_sequence(str(root))


def test_sequence_without_metadata_counts_images(tmp_path):
    root = _folder(tmp_path, meta=None, gt='1,1,2,2\n')
    assert vot_io.read_sequence(str(root)).length == 1
    (root / 'color').mkdir()
    for i in range(1, 4):
        (root / 'color' / f'{i:08d}.jpg').write_bytes(b'')
    seq = vot_io.read_sequence(str(root))
    assert seq.length == 3 and seq.width is None


def test_result_folders(tmp_path):
    exp = str(tmp_path / 'baseline')
    for run in (2, 1):
        path = vot_io.trajectory_path(exp, 'seq', run=run)
        assert path.endswith(f'seq/seq_{run:03d}.txt')
        vot_io.write_trajectory(path, [1, np.full(4, run, np.float32)])
    binary = vot_io.trajectory_path(exp, 'seq', run=2, binary=True)
    vot_io.write_trajectory(binary, [1, 2])  # the text file wins
    runs = vot_io.read_runs(exp, 'seq')
    assert [float(r[1][0]) for r in runs] == [1.0, 2.0]
    anchor = vot_io.trajectory_path(exp, 'seq', anchor=50)
    assert anchor.endswith('seq_00000050.txt')
    vot_io.write_trajectory(anchor, [1, 0])
    assert vot_io.read_anchor_runs(exp, 'seq', [50]) == {50: [1, 0]}
    with pytest.raises(ValueError, match='exactly one'):
        vot_io.trajectory_path(exp, 'seq')
