"""The int8 ONNX Runtime backend: export + calibration command, boxes
against fp32 on the tiny model."""
import json
import os.path as osp

import numpy as np
import pytest
import torch

pytest.importorskip('onnx')
pytest.importorskip('onnxruntime')

from stark_plugin.apis import SOTInferencer  # noqa: E402
from stark_plugin.benchmarking import lissajous_sequence  # noqa: E402
from stark_plugin.deploy.int8 import quantize_search_graph  # noqa: E402
from stark_plugin.testing.scripts import import_script

from tiny_models import TINY  # noqa: E402

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

#: stated tolerances of the int8 path on the tiny model (random weights
#: with random BatchNorm statistics: larger errors than trained weights):
#: network outputs on the same inputs within 0.2 (normalised box
#: coordinates, sigmoid scores); tracking with the same crops (open
#: loop): pixel boxes within 12 px (the search crop spans 5x the
#: target), scores within 0.05.
NORM_TOL = 0.2
BOX_TOL_PX = 12.0
SCORE_TOL = 0.05


def _export_tool():
    tool = import_script(
        osp.join(ROOT, 'tools', 'deployment', 'export_onnx.py'))
    return tool


@pytest.fixture(scope='module')
def int8_dir(tiny, tmp_path_factory):
    """The documented command, on a checkpoint of the tiny model."""
    tmp = tmp_path_factory.mktemp('int8')
    ckpt = str(tmp / 'tiny.pth')
    torch.save(dict(state_dict=tiny.state_dict(), meta={}), ckpt)
    out = str(tmp / 'graphs')
    assert _export_tool().main([TINY, ckpt, '--out', out, '--int8',
                                '--calib-frames', '6', '--int8-atol',
                                str(NORM_TOL)]) == 0
    return out


@pytest.mark.slow
def test_int8_export_quantizes_the_search_graph(int8_dir):
    import onnx
    with open(osp.join(int8_dir, 'meta.json')) as f:
        meta = json.load(f)
    q = meta['quantization']
    assert q['op_types'] == ['Conv'] and q['calib_frames'] == 6
    assert '/head/' in q['float_prefixes']
    graph = onnx.load(osp.join(int8_dir, 'search.onnx')).graph
    ops = [n.op_type for n in graph.node]
    assert ops.count('QuantizeLinear') > 10
    # QDQ: a quantized convolution reads its weight from a
    # DequantizeLinear; the heads and the first convolution stay float
    dq_out = {o for n in graph.node if n.op_type == 'DequantizeLinear'
              for o in n.output}
    convs = {n.name: n.input[1] in dq_out for n in graph.node
             if n.op_type == 'Conv'}
    assert convs['/backbone/conv1/Conv'] is False
    assert not any(v for k, v in convs.items() if k.startswith('/head/'))
    assert sum(convs.values()) >= 5  # backbone / neck convolutions
    template_ops = [n.op_type for n in onnx.load(
        osp.join(int8_dir, 'template.onnx')).graph.node]
    assert 'QuantizeLinear' not in template_ops  # template stays float


@pytest.mark.slow
def test_int8_backend_tracks_close_to_fp32(int8_dir, tiny):
    frames, boxes = lissajous_sequence(8, 480, 640, seed=2)
    ref = SOTInferencer(tiny)
    q = SOTInferencer(tiny, backend='onnxruntime-int8', onnx_dir=int8_dir)
    assert q.backend == 'onnxruntime-int8'
    for inf in (ref, q):
        inf.init(frames[0], boxes[0])
        inf.init(frames[0], [500.0, 40.0, 60.0, 50.0])  # batched targets
    diffs = []
    for frame in frames[1:]:
        for s_ref, s_q in zip(ref.states, q.states):  # same crops
            s_q.box = list(s_ref.box)
        a, b = ref.track(frame), q.track(frame)
        for ta, tb in zip(a['targets'], b['targets']):
            diffs.append(np.abs(np.subtract(ta['box'], tb['box'])).max())
            assert abs(ta['score'] - tb['score']) <= SCORE_TOL
    assert max(diffs) <= BOX_TOL_PX, diffs
    assert max(diffs) > 0  # it is really another (quantized) graph


@pytest.mark.slow
def test_int8_and_float_dirs_are_not_mixed_up(int8_dir, tiny):
    with pytest.raises(ValueError, match='holds int8 graphs'):
        SOTInferencer(tiny, backend='onnxruntime', onnx_dir=int8_dir)
    with pytest.raises(ValueError, match='needs onnx_dir'):
        SOTInferencer(tiny, backend='onnxruntime-int8')


def test_int8_bad_arguments(tmp_path):
    tool = _export_tool()
    out = str(tmp_path / 'x')
    assert tool.main([TINY, 'none', '--out', out, '--calib-frames', '4']) == 2
    assert tool.main([TINY, 'none', '--out', out, '--int8',
                      '--calib-frames', '0']) == 2
    with pytest.raises(ValueError, match='subset'):
        quantize_search_graph('a.onnx', 'b.onnx', [{}], op_types=['Relu'])
    with pytest.raises(ValueError, match='calibration'):
        quantize_search_graph('a.onnx', 'b.onnx', [], op_types=['Conv'])
