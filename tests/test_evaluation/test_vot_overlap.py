"""Region overlap against vot-toolkit's ``calculate_overlap``: random
rectangles, polygons, masks and special regions whose overlaps vot-toolkit
0.9.0 (and the 0.5.3 rules) computed (toolkit_refs/overlap_cases.json,
made by make_toolkit_refs.py), and the edge cases of the rules."""
import json
import os.path as osp

import numpy as np
import pytest

from stark_plugin.evaluation.functional.vot import (MASK, POLYGON, Mask,
                                                    Polygon, Regions,
                                                    rasterize,
                                                    region_bounds,
                                                    region_overlaps)
from stark_plugin.fileio.vot import parse_region

from ._vot_fixture import FIXTURE

REFS = osp.join(FIXTURE, 'toolkit_refs', 'overlap_cases.json')


def _refs():
    with open(REFS) as f:
        return json.load(f)


def _regions(lines):
    return Regions.from_list([parse_region(s) for s in lines])


@pytest.mark.parametrize('column,bounded,toolkit',
                         [('bounded', True, '0.9.0'),
                          ('unbounded', False, '0.9.0'),
                          ('bounded_053', True, '0.5.3'),
                          ('unbounded_053', False, '0.5.3')])
def test_matches_toolkit_cases(column, bounded, toolkit):
    refs = _refs()
    a = _regions([c['a'] for c in refs['cases']])
    b = _regions([c['b'] for c in refs['cases']])
    assert (a.kinds == POLYGON).sum() > 50 and (a.kinds == MASK).sum() > 20
    got = region_overlaps(a, b, tuple(refs['size']) if bounded else None,
                          toolkit)
    want = np.array([c[column] for c in refs['cases']])
    bad = np.flatnonzero(got != want)
    assert len(bad) == 0, [(refs['cases'][i]['a'], refs['cases'][i]['b'],
                            got[i], want[i]) for i in bad[:3]]


def test_is_empty_matches_toolkit():
    refs = _refs()
    a = _regions([c['a'] for c in refs['cases']])
    assert a.is_empty().tolist() == [c['a_empty'] for c in refs['cases']]


def _ov(a, b, bounds=(100, 100), toolkit='0.9.0'):
    return float(region_overlaps(Regions.from_list([a]),
                                 Regions.from_list([b]), bounds, toolkit)[0])


def test_empty_against_empty_is_one_in_0_9_and_zero_in_0_5():
    for a, b in [([0, 0, 0, 0], [0, 0, 0, 0]), ([0, 0, 0, 0], [np.nan] * 4),
                 (0, 0), (2, [0, 0, 0, 0])]:
        assert _ov(a, b) == 1.0
        assert _ov(a, b, toolkit='0.5.3') == 0.0


def test_box_outside_the_image_is_zero():
    assert _ov([200, 200, 20, 20], [200, 200, 20, 20]) == 0.0
    assert _ov([200, 200, 20, 20], [200, 200, 20, 20], None) == 1.0
    # only the part inside the image counts: 10 of 20 columns
    assert _ov([90, 0, 20, 20], [90, 0, 10, 20]) == 1.0
    assert _ov([90, 0, 20, 20], [90, 0, 10, 20], None) == 0.5


def test_rounding_is_half_to_even_per_value():
    # x 0.5 -> 0, w 10.5 -> 10: pixels 0..9; x 1.5 -> 2: pixels 2..11
    assert _ov([0.5, 0, 10.5, 10], [0, 0, 10, 10]) == 1.0
    assert _ov([1.5, 0, 10, 10], [2, 0, 10, 10]) == 1.0
    assert _ov([2.5, 0, 10, 10], [2, 0, 10, 10]) == 1.0


def test_special_against_box_is_zero_and_lines_are_one():
    assert _ov(1, [10, 10, 20, 20]) == 0.0
    # one-pixel-wide union: no extent in x -> "identical" (toolkit rule)
    assert _ov([5, 5, 1, 10], [5, 30, 1, 10]) == 1.0
    assert _ov([5, 5, 1, 10], [5, 30, 1, 10], toolkit='0.5.3') == 0.0


def test_polygon_covers_one_more_column_and_row():
    box = [10, 10, 20, 20]
    poly = Regions.from_list([box]).as_polygons()
    got = region_overlaps(Regions.from_list([box]), poly, (100, 100))
    assert got[0] == pytest.approx(400 / 441)


def test_mask_against_rectangle():
    mask = Mask(np.ones((10, 20), np.uint8), (5, 5))
    assert _ov(mask, [5, 5, 20, 10]) == 1.0
    assert _ov(mask, [5, 5, 10, 10]) == 0.5
    assert _ov(mask, [0, 0, 5, 5]) == 0.0


def test_vectorised_rectangles_agree_with_rasterising():
    rng = np.random.default_rng(0)
    boxes = rng.uniform([-30, -30, 0, 0], [90, 90, 40, 40], (400, 4))
    boxes[::7, 2:] = 0
    a = Regions.from_boxes(boxes)
    b = Regions.from_boxes(np.roll(boxes, 1, axis=0))
    fast = region_overlaps(a, b, (64, 48))
    bounds = region_bounds(a)
    assert bounds.dtype == np.int64
    for i in range(len(a)):
        union = np.concatenate([np.minimum(bounds[i, :2],
                                           region_bounds(b)[i, :2]),
                                np.maximum(bounds[i, 2:],
                                           region_bounds(b)[i, 2:])])
        if union[0] >= union[2] or union[1] >= union[3]:
            assert fast[i] == 1.0
            continue
        win = (max(0, union[0]), max(0, union[1]), min(63, union[2]),
               min(47, union[3]))
        if win[0] >= win[2] or win[1] >= win[3]:
            assert fast[i] == 0.0
            continue
        m1, m2 = rasterize(a, i, win), rasterize(b, i, win)
        inter, uni = np.sum(m1 & m2), np.sum(m1 | m2)
        assert fast[i] == (inter / uni if uni else 0.0)


def test_length_mismatch_and_bad_toolkit_raise():
    a = Regions.from_list([[0, 0, 5, 5]])
    with pytest.raises(ValueError, match='1 regions against 2'):
        region_overlaps(a, Regions.from_list([[0, 0, 5, 5]] * 2))
    with pytest.raises(ValueError, match='toolkit'):
        region_overlaps(a, a, toolkit='0.6')


def test_regions_reject_malformed_frames():
    with pytest.raises(ValueError, match='frame 1'):
        Regions.from_list([1, [1, 2, 3]])
    with pytest.raises(ValueError, match='integer code'):
        Regions.from_list([1.5])
    with pytest.raises(ValueError, match='K >= 3'):
        Polygon([[0, 0], [1, 1]])
