"""Tracker-level parity: SOTInferencer vs the official tracker (40 frames,
each from the official previous box)."""
import numpy as np
import pytest

from stark_plugin.apis import SOTInferencer

BOX_TOL = 0.01  # px
CONF_TOL = 1e-4


@pytest.mark.slow(seconds=105)
@pytest.mark.parametrize('name', ['st50', 's50'])
def test_tracker_matches_official(parity, name, recorded_crops):
    model = parity.model(name)
    ref = parity.tracker_ref(name)
    frames = parity.frames_bgr()

    crops = recorded_crops

    inferencer = SOTInferencer(model)
    inferencer.init(frames[0], ref['boxes_xywh'][0])
    assert crops[-1][1] == ref['per_frame'][0]['template_crop']['crop_sha256']

    box_diff, conf_diff = 0.0, 0.0
    for t in range(1, len(frames)):
        n_before = len(crops)
        # Each frame starts from the official previous box (the dynamic
        # templates are ours, checked byte for byte below). A closed loop
        # is chaotic here: the official S50 box of frame 2 has a crop side
        # of ceil(327.0009), and float noise of 1e-4 px from other CPU
        # kernels (oneDNN on AVX2) tips it to the other integer, after
        # which the crops differ.
        inferencer.states[0].box = [float(v) for v in ref['boxes_xywh'][t - 1]]
        result = inferencer.track(frames[t])
        frame_ref = ref['per_frame'][t]
        # the search crop is byte-identical (mask too)
        factor, crop_sha, mask_sha = crops[n_before]
        assert factor == 5.0
        assert crop_sha == frame_ref['search_crop']['crop_sha256'], t
        assert mask_sha == frame_ref['search_crop']['mask_sha256'], t
        box_diff = max(box_diff, float(np.abs(
            np.asarray(result['box']) - ref['boxes_xywh'][t]).max()))
        assert np.allclose(result['box'], ref['boxes_xywh'][t], rtol=0,
                           atol=BOX_TOL), (t, result['box'])
        if name == 'st50':
            conf_diff = max(conf_diff,
                            abs(result['score'] - ref['conf_scores'][t]))
            assert abs(result['score'] - ref['conf_scores'][t]) <= CONF_TOL
            if frame_ref['updated_template']:
                upd = crops[n_before + 1]
                assert upd[0] == 2.0
                assert upd[1] == \
                    frame_ref['update_template_crop']['crop_sha256'], t
        else:
            assert result['score'] == -1.0
    expected_updates = ref.get('updated_frames', [])
    assert inferencer.updated_frames == expected_updates
    print(f'\n[{name}] tracker: max box diff {box_diff:.2e} px, '
          f'max conf diff {conf_diff:.2e}, updates '
          f'{inferencer.updated_frames}')
