"""Readers: the fixture's quirks and malformed files."""
import numpy as np
import pytest

from stark_plugin.evaluation.benchmarks import load_benchmark
from stark_plugin.fileio.annotations import read_boxes as load_boxes
from stark_plugin.fileio.annotations import read_flag_line as load_flags_line
from stark_plugin.fileio.results import (find_result_file,
                                         list_result_sequences,
                                         load_tracker_results)

from ._fixture import DATA


def test_separators_and_line_ends_of_otb():
    seqs = {s.name: s for s in load_benchmark('otb100', f'{DATA}/OTB100')}
    assert sorted(seqs) == ['Basketball', 'Biker', 'Bird1', 'BlurBody']
    # comma, TAB, space and CRLF all give the same kind of rows
    np.testing.assert_array_equal(seqs['Basketball'].gt_bboxes[0],
                                  [166, 136, 78, 42])
    np.testing.assert_array_equal(seqs['Biker'].gt_bboxes[0],
                                  [338, 154, 179, 128])
    np.testing.assert_array_equal(seqs['Bird1'].gt_bboxes[0],
                                  [144, 273, 172, 120])
    np.testing.assert_array_equal(seqs['BlurBody'].gt_bboxes[0],
                                  [65, 71, 98, 50])
    assert [len(seqs[n].gt_bboxes) for n in sorted(seqs)] == [103, 89, 72, 96]
    assert b'\r\n' in open(f'{DATA}/OTB100/BlurBody/groundtruth_rect.txt',
                           'rb').read()


def test_trackingnet_leading_spaces_and_dash_names():
    seqs = load_benchmark('trackingnet', f'{DATA}/TrackingNet', 'TRAIN_0')
    names = [s.name for s in seqs]
    assert names[0] == '-kdHPUBhMgV_2' and len(names) == 4
    rows = np.concatenate([s.gt_bboxes for s in seqs])
    assert np.isfinite(rows).all()
    assert (rows[:, :2] < 10).any()  # values written as ' 5.23'
    res = load_tracker_results(f'{DATA}/results/TrackingNet/trk_good', names)
    assert res['-kdHPUBhMgV_2'].pred_bboxes.shape == (86, 4)  # TAB separated


def test_nan_rows_are_read_as_nan():
    res = load_tracker_results(f'{DATA}/results/LaSOT/trk_invalid',
                               ['airplane-9'])['airplane-9'].pred_bboxes
    nan_frames = np.flatnonzero(np.isnan(res).any(axis=1)).tolist()
    assert nan_frames == [7, 19, 30, 34, 63, 67]


def test_time_files_are_not_results():
    folder = f'{DATA}/results/LaSOT/trk_good'
    names = list_result_sequences(folder)
    assert names == ['airplane-1', 'airplane-9', 'basketball-6', 'bear-4']
    path, time_path = find_result_file(folder, 'airplane-1')
    assert path.endswith('airplane-1.txt')
    assert time_path.endswith('airplane-1_time.txt')
    res = load_tracker_results(folder, ['airplane-1'])['airplane-1']
    assert res.frame_times.shape == (96, ) and res.pred_bboxes.shape == (96, 4)


def test_got10k_submission_layout_and_meta():
    seqs = load_benchmark('got10k', f'{DATA}/GOT10k', 'val')
    seq = seqs[0]
    assert seq.name == 'GOT-10k_Val_000003'
    assert seq.image_size == (1920.0, 1080.0)
    assert seq.absent[28] and not seq.visible[28] and seq.cover[28] == 0
    # absence is not everything: full occlusion keeps absence 0, cover 0
    occl = seqs[2]
    assert not occl.absent[27] and occl.cover[27] == 0 and not occl.visible[27]
    res = load_tracker_results(f'{DATA}/results/GOT10k_submission/trk_good',
                               [s.name for s in seqs])
    assert res[seq.name].path.endswith('GOT-10k_Val_000003_001.txt')
    assert len(res[seq.name].frame_times) == len(seq.gt_bboxes)


def test_lasot_split_and_visibility():
    seqs = load_benchmark('lasot', f'{DATA}/LaSOT', 'test')
    assert [s.name for s in seqs] == [
        'airplane-1', 'airplane-9', 'basketball-6', 'bear-4'
    ]  # airplane-2 is a training sequence
    train = load_benchmark('lasot', f'{DATA}/LaSOT', 'train')
    assert [s.name for s in train] == ['airplane-2']
    a1 = seqs[0]
    assert (~a1.visible).nonzero()[0].tolist() == list(range(24, 29))
    b6 = seqs[2]
    np.testing.assert_array_equal(b6.gt_bboxes[~b6.visible][0],
                                  [1, 1, -1, -1])


@pytest.mark.parametrize('content,line', [
    ('1,2,3,4\n1,2,3\n', 2),
    ('1,2,3,4\n5,6,7,8\n1,2,x,4\n', 3),
    ('1,2,3,4\n\n1,2,3,4\n', 2),
    ('1,,3,4\n', 1),
])
def test_malformed_line_names_file_and_line(tmp_path, content, line):
    path = tmp_path / 'groundtruth.txt'
    path.write_text(content)
    with pytest.raises(ValueError, match=f'groundtruth.txt:{line}:'):
        load_boxes(str(path))


def test_malformed_annotation_in_a_dataset(tmp_path):
    seq = tmp_path / 'Foo'
    seq.mkdir()
    (seq / 'groundtruth_rect.txt').write_text('1,2,3,4\r\n1;2;3;4\r\n')
    with pytest.raises(ValueError, match=r'Foo.groundtruth_rect.txt:2:'):
        load_benchmark('otb100', str(tmp_path))


def test_flag_count_must_match(tmp_path):
    seq = tmp_path / 'cat' / 'cat-1'
    seq.mkdir(parents=True)
    (tmp_path / 'testing_set.txt').write_text('cat-1\n')
    (seq / 'groundtruth.txt').write_text('1,2,3,4\n1,2,3,4\n')
    (seq / 'full_occlusion.txt').write_text('0,0\n')
    (seq / 'out_of_view.txt').write_text('0,0,0\n')
    with pytest.raises(ValueError, match='out_of_view.txt'):
        load_benchmark('lasot', str(tmp_path))
    assert load_flags_line(str(seq / 'full_occlusion.txt')).tolist() == [
        False, False
    ]


def test_missing_results_are_listed(tmp_path):
    with pytest.raises(FileNotFoundError, match='airplane-9'):
        load_tracker_results(str(tmp_path), ['airplane-9'])


def test_uav123_layout_with_nan_rows(tmp_path):
    anno = tmp_path / 'anno' / 'UAV123'
    anno.mkdir(parents=True)
    (anno / 'att').mkdir()  # attribute folder beside the files is skipped
    (anno / 'bike1.txt').write_text('1,2,3,4\nNaN,NaN,NaN,NaN\n5,6,7,8\n')
    seqs = load_benchmark('uav123', str(tmp_path))
    assert [s.name for s in seqs] == ['bike1']
    assert np.isnan(seqs[0].gt_bboxes[1]).all()
