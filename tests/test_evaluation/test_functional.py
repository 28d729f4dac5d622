"""Box measures, curves and protocol rules on hand-made boxes."""
import numpy as np
import pytest

from stark_plugin.evaluation.functional import (
    PROTOCOLS, InvalidPredictionWarning, SequenceInput, auc_trapz,
    build_protocol, center_error, iou_got10k, iou_inclusive,
    iou_mmdet_float32, success_curve, xywh_to_xyxy)

GT = np.array([[10., 10., 20., 20.]] * 4)


def test_iou_variants_agree_on_integers():
    pred = np.array([[20., 10., 20., 20.]])  # half overlap in x -> 1/3
    gt = GT[:1]
    assert iou_inclusive(pred, gt)[0] == pytest.approx(1 / 3)
    assert iou_got10k(pred, gt)[0] == pytest.approx(1 / 3)
    assert iou_mmdet_float32(xywh_to_xyxy(gt),
                             xywh_to_xyxy(pred))[0] == pytest.approx(1 / 3)


def test_float32_iou_passes_a_threshold_float64_does_not():
    # IoU exactly 0.8 in float64 is 0.800000012 in float32 (README)
    gt = np.array([[0., 0., 10., 10.]])
    pred = np.array([[0., 0., 8., 10.]])
    iou64 = float(iou_inclusive(pred, gt)[0])
    iou32 = float(iou_mmdet_float32(xywh_to_xyxy(gt), xywh_to_xyxy(pred))[0])
    assert iou64 == 0.8 and iou32 > 0.8
    thr = np.linspace(0, 1, 21)
    assert success_curve(np.array([iou32]), thr)[16] == 1.0
    assert success_curve(np.array([iou64]), thr)[16] == 0.0


def test_greater_vs_greater_equal_at_exact_threshold():
    ious = np.array([0.5, 0.75, 1.0])
    strict = success_curve(ious)
    incl = success_curve(ious, inclusive=True)
    assert strict[10] == pytest.approx(2 / 3) and incl[10] == 1.0
    assert strict[20] == 0 and incl[20] == pytest.approx(1 / 3)


def test_trapz_is_mean_minus_half_ends():
    y = np.linspace(1, 0, 21)**2
    assert auc_trapz(y) == pytest.approx((y.sum() - y[0] / 2 - y[-1] / 2) / 20)


def test_center_error_conventions_cancel():
    pred = np.array([[13., 14., 20., 20.]])
    for off in (-1, 0, 1):
        assert center_error(pred, GT[:1], off)[0] == pytest.approx(5.0)


def test_got10k_clips_to_image():
    gt = np.array([[90., 0., 20., 10.]])  # runs over the right border
    pred = np.array([[90., 0., 10., 10.]])
    assert iou_got10k(pred, gt)[0] == pytest.approx(0.5)
    assert iou_got10k(pred, gt, bound=(100, 100))[0] == pytest.approx(1.0)


def _seq(pred, gt=GT, **kw):
    return SequenceInput('vid', gt, np.asarray(pred, dtype=float), **kw)


INVALID = [[10, 10, 20, 20], [np.nan] * 4, [10, 10, -5, 20], [10, 10, 0, 20]]


@pytest.mark.parametrize('name', sorted(PROTOCOLS))
@pytest.mark.parametrize('bench', ['got10k', 'lasot', 'custom'])
def test_invalid_predictions_never_crash(name, bench):
    proto = build_protocol(name, bench)
    with pytest.warns(InvalidPredictionWarning, match=r"'vid'.*frame"):
        res = proto.evaluate([_seq(INVALID, cover=np.full(4, 8))])
    numbers = [v for v in res.metrics.values() if isinstance(v, float)]
    assert numbers and np.isfinite(numbers).all()


def test_pytracking_toolkit_mode_refuses_like_stark():
    proto = build_protocol('pytracking', 'lasot', on_invalid='toolkit')
    res = proto.evaluate([_seq(INVALID)])
    assert res.metrics == {'error': 'Exception: Error: Invalid results'}
    assert res.per_sequence['vid'] == {'error': res.metrics['error']}


def test_pytracking_zero_size_takes_previous_row():
    pred = np.array(GT)
    pred[2, 2] = 0
    res = build_protocol('pytracking', 'otb100').evaluate([_seq(pred)])
    assert res.metrics['success_auc'] == pytest.approx(100 * 20 / 21, abs=1e-4)


def test_got10k_nan_gives_nan_ao_only_in_toolkit_mode():
    pred = np.array(GT)
    pred[2] = np.nan
    kw = dict(cover=np.full(4, 8))
    with pytest.warns(InvalidPredictionWarning, match='makes AO NaN'):
        tk = build_protocol('got10k', 'got10k',
                            'toolkit').evaluate([_seq(pred, **kw)])
    assert np.isnan(tk.metrics['ao'])
    with pytest.warns(InvalidPredictionWarning, match='frame.*2'):
        miss = build_protocol('got10k', 'got10k').evaluate([_seq(pred, **kw)])
    assert miss.metrics['ao'] == pytest.approx(100 * 2 / 3)
    assert miss.per_sequence['vid']['frames_evaluated'] == 3


def test_length_mismatch_is_padded_with_misses():
    with pytest.warns(InvalidPredictionWarning, match='predicted box'):
        res = build_protocol('got10k', 'otb100').evaluate([_seq(GT[:3])])
    assert res.metrics['success_rate_0.5'] == pytest.approx(75.0)


def test_results_are_sorted_and_duplicates_refused():
    proto = build_protocol('mmtracking_all_frames')
    seqs = [SequenceInput(n, GT, GT) for n in ('b', 'a', 'c')]
    assert list(proto.evaluate(seqs).per_sequence) == ['a', 'b', 'c']
    with pytest.raises(ValueError, match='duplicate'):
        proto.evaluate(seqs + [SequenceInput('a', GT, GT)])


def test_unknown_names_are_refused():
    with pytest.raises(ValueError, match='unknown protocol'):
        build_protocol('vot')
    with pytest.raises(ValueError, match='unknown benchmark'):
        build_protocol('got10k', 'vot2020')


def test_default_protocols():
    assert build_protocol(None, 'lasot').name == 'pytracking'
    assert build_protocol(None, 'got10k').name == 'got10k'
    assert build_protocol(None, 'trackingnet').name == 'trackingnet_server'
    assert build_protocol(None, 'otb100').name == 'got10k'
    assert build_protocol(None, 'uav123').name == 'got10k'
