"""Regions from the toolkit as boxes, and boxes back as the region kind the
toolkit initialised with (the VOT2020 rules of the official integration)."""
import numpy as np
import pytest

from stark_plugin.errors import InputError
from stark_plugin.fileio.vot import VOTMask, mask_from_box
from stark_plugin.vot.regions import (MASK, POLYGON, RECTANGLE,
                                      box_from_region, region_kind,
                                      reply_region)


def _full(mask: VOTMask, width: int, height: int) -> np.ndarray:
    out = np.zeros((height, width), np.uint8)
    x0, y0 = mask.offset
    h, w = mask.mask.shape
    out[y0:y0 + h, x0:x0 + w] = mask.mask
    return out


def test_mask_box_is_the_inclusive_pixel_extent():
    mask = np.zeros((10, 12), np.uint8)
    mask[3, 4] = 1
    mask[7, 9] = 1  # box from (4, 3) to (9, 7) inclusive
    assert box_from_region(VOTMask(mask, (20, 30))) == [24, 33, 6, 5]


def test_rectangle_and_polygon_boxes():
    assert box_from_region(np.array([1.5, 2, 3, 4], np.float32)) == \
        [1.5, 2, 3, 4]
    poly = np.array([[10, 12], [40, 10], [38, 31], [12, 28]], np.float32)
    assert box_from_region(poly) == [10, 10, 30, 21]
    assert region_kind(poly) == POLYGON


@pytest.mark.parametrize('region, words', [
    (VOTMask(np.zeros((4, 4), np.uint8), (2, 3)), 'empty'),
    (np.array([1, 2, 0, 4], np.float32), 'no area'),
    (np.array([1, np.nan, 3, 4], np.float32), 'non-finite'),
    (2, 'expected a rectangle'),
])
def test_bad_regions_name_the_problem(region, words):
    with pytest.raises(InputError, match=words):
        box_from_region(region)


def test_box_mask_rounds_and_clips_to_the_image():
    # x: round(3.4)=3 .. round(3.4 + 5.2)=round(8.6)=9; y: round(1.5)=2 ..
    # round(1.5 + 2)=round(3.5)=4 (Python rounds halves to even)
    mask = mask_from_box([3.4, 1.5, 5.2, 2.0], 20, 10)
    expected = np.zeros((10, 20), np.uint8)
    expected[2:4, 3:9] = 1
    assert np.array_equal(_full(mask, 20, 10), expected)
    clipped = mask_from_box([-5, 8, 10, 10], 20, 10)
    assert clipped.offset == (0, 8) and clipped.mask.shape == (2, 5)
    outside = mask_from_box([30, 30, 5, 5], 20, 10)
    assert not outside.mask.any()


def test_mask_round_trip_keeps_an_integer_box():
    box = [7.0, 4.0, 9.0, 6.0]
    assert box_from_region(mask_from_box(box, 40, 30)) == box


def test_reply_matches_the_initial_kind():
    box = [1.25, 2.5, 10.0, 8.0]
    assert isinstance(reply_region(box, MASK, (64, 48)), VOTMask)
    for kind in (RECTANGLE, POLYGON):
        rect = reply_region(box, kind, (64, 48))
        assert rect.dtype == np.float32 and rect.tolist() == box
