"""STARK-Lightning through the inference backends: ONNX export (tool) and
ONNX Runtime against the official tracker (teacher forcing), bf16, and
the benchmark's per-part timing of the Lightning head."""
import os.path as osp

import numpy as np
import pytest

from stark_plugin.apis import SOTInferencer
from stark_plugin.benchmarking import benchmark
from stark_plugin.structures.bbox import box_iou_xywh
from stark_plugin.testing.scripts import import_script

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', 'sot', 'stark',
                  'stark_lightning_x_trt_got10k.py')
BOX_TOL = 0.05  # px, reference README


def _teacher_forced(inferencer, ref, frames, num=None):
    """Boxes of frames 1..num (default: all), each started from the
    official previous box."""
    inferencer.reset()
    inferencer.init(frames[0], ref['boxes_xywh'][0])
    boxes = []
    for t in range(1, num or len(frames)):
        inferencer.states[0].box = [float(v)
                                    for v in ref['boxes_xywh'][t - 1]]
        boxes.append(inferencer.track(frames[t])['box'])
    return np.asarray(boxes)


@pytest.fixture(scope='module')
def onnx_dir(parity, tmp_path_factory):
    pytest.importorskip('onnx')
    pytest.importorskip('onnxruntime')
    tool = import_script(
        osp.join(REPO, 'tools', 'deployment', 'export_onnx.py'))
    out = str(tmp_path_factory.mktemp('lightning_onnx'))
    # the synthetic network's features reach several hundred: 1e-3 abs is
    # float32 rounding there
    assert tool.main([CONFIG, parity.converted_checkpoint('lightning'),
                      '--out', out, '--atol', '1e-3']) == 0
    return out


@pytest.mark.slow
def test_onnxruntime_tracks_like_the_official_tracker(parity, onnx_dir):
    ref = parity.tracker_ref('lightning')
    frames = parity.frames_bgr()
    inf = SOTInferencer(parity.model('lightning'), backend='onnxruntime',
                        onnx_dir=onnx_dir)
    boxes = _teacher_forced(inf, ref, frames)
    diff = np.abs(boxes - np.asarray(ref['boxes_xywh'][1:])).max()
    print(f'\n[lightning onnxruntime] max box diff {diff:.2e} px')
    assert diff <= BOX_TOL


@pytest.mark.slow
def test_bf16_stays_close_to_the_official_boxes(parity):
    """bf16 is a real perturbation of this sharp synthetic head (last conv
    gain 4): boxes stay finite and overlap the official ones."""
    ref = parity.tracker_ref('lightning')
    frames = parity.frames_bgr()
    inf = SOTInferencer(parity.model('lightning'), backend='torch-bf16')
    num = min(len(frames), 16)  # bf16 is emulated (slow) on AVX2 CPUs
    boxes = _teacher_forced(inf, ref, frames, num)
    assert np.isfinite(boxes).all()
    iou = box_iou_xywh(boxes, np.asarray(ref['boxes_xywh'][1:num]))
    print(f'\n[lightning bf16] teacher-forced mean IoU to the official '
          f'boxes {iou.mean():.4f}')
    assert iou.mean() >= 0.5


def test_benchmark_times_the_lightning_parts(parity):
    frames = parity.frames_bgr()
    ref = parity.tracker_ref('lightning')
    report = benchmark(parity.model('lightning'), backends=('torch', ),
                       num_frames=2, warmup=1, part_repeats=1, naive=False,
                       log=lambda msg: None,
                       frames=(frames, ref['boxes_xywh'][0]))
    parts = report['results']['torch']['parts']
    assert {'backbone', 'transformer', 'heads'} <= set(parts)
    # counted FLOPs: the step is the search branch + encoder + head, as one
    # whole forward counts it
    import torch

    from stark_plugin.models import prepare_for_inference
    from stark_plugin.benchmarking.roofline import count_flops
    gflop = report['roofline']['gflop']
    assert gflop['network'] == pytest.approx(
        gflop['backbone'] + gflop['transformer'] + gflop['heads'])
    assert gflop['step'] > gflop['backbone'] > gflop['transformer'] > 0
    assert all('gflop' in parts[k]
               for k in ('backbone', 'transformer', 'heads'))
    net = prepare_for_inference(parity.model('lightning'))
    cfg = net.test_cfg

    def crop(size):
        return (torch.zeros(1, 3, size, size),
                torch.zeros(1, size, size, dtype=torch.bool))

    with torch.inference_mode():
        template = net.extract_tokens(*crop(cfg['template_size']))
        whole = count_flops(lambda: net.forward_head(
            [template] * net.num_templates,
            net.extract_tokens(*crop(cfg['search_size']))))
    assert gflop['network'] == pytest.approx(whole / 1e9, rel=1e-6)
    assert report['settings']['frame_size'] == list(frames[0].shape[:2])
    with pytest.raises(ValueError, match='frames'):
        benchmark(parity.model('lightning'), num_frames=len(frames),
                  log=lambda msg: None,
                  frames=(frames, ref['boxes_xywh'][0]))
