"""ONNX export and the ONNX Runtime backend against PyTorch."""
import json
import os.path as osp

import numpy as np
import pytest
import torch

pytest.importorskip('onnx')
pytest.importorskip('onnxruntime')

from stark_plugin.apis import SOTInferencer  # noqa: E402
from stark_plugin.benchmarking import lissajous_sequence  # noqa: E402
from stark_plugin.deploy.onnx_runtime import check_onnx_parity  # noqa: E402
from stark_plugin.testing.scripts import import_script

from tiny_models import TINY  # noqa: E402


@pytest.fixture(scope='module')
def exported(tiny, tmp_path_factory):
    """Exported through the tool, from a checkpoint of the tiny model."""
    root = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    tool = import_script(
        osp.join(root, 'tools', 'deployment', 'export_onnx.py'))
    tmp = tmp_path_factory.mktemp('onnx')
    ckpt = str(tmp / 'tiny.pth')
    torch.save(dict(state_dict=tiny.state_dict(), meta={}), ckpt)
    out = str(tmp / 'graphs')
    assert tool.main([TINY, ckpt, '--out', out]) == 0
    return out


def test_export_writes_two_graphs(exported, tiny):
    import onnx
    for name in ('template.onnx', 'search.onnx'):
        graph = onnx.load(osp.join(exported, name)).graph
        onnx.checker.check_model(osp.join(exported, name))
        dims = [d.dim_value for d in graph.input[0].type.tensor_type.shape.dim]
        size = 64 if name == 'template.onnx' else 160
        assert dims[1:] == [3, size, size]  # static crop size
    with open(osp.join(exported, 'meta.json')) as f:
        meta = json.load(f)
    assert meta['num_templates'] == 2 and meta['search_size'] == 160
    search = onnx.load(osp.join(exported, 'search.onnx')).graph
    assert [o.name for o in search.output] == ['pred_boxes', 'pred_logits']


def test_onnxruntime_outputs_match_pytorch(exported, tiny):
    diff = check_onnx_parity(tiny, exported, batch=2, seed=1)
    assert set(diff) >= {'template_feat', 'template_pos', 'pred_boxes',
                         'pred_logits'}
    assert max(diff.values()) <= 1e-4, diff


def test_onnxruntime_backend_tracks_like_torch(exported, tiny):
    frames, boxes = lissajous_sequence(6, 480, 640, seed=2)
    ref = SOTInferencer(tiny)
    ort = SOTInferencer(tiny, backend='onnxruntime', onnx_dir=exported)
    for inf in (ref, ort):
        inf.init(frames[0], boxes[0])
        inf.init(frames[0], [500.0, 40.0, 60.0, 50.0])
    for frame in frames[1:]:
        a, b = ref.track(frame), ort.track(frame)
        for ta, tb in zip(a['targets'], b['targets']):
            assert np.allclose(ta['box'], tb['box'], rtol=0, atol=1e-3)
            assert abs(ta['score'] - tb['score']) <= 1e-4


def test_onnxruntime_crops_on_one_torch_thread(exported, tiny,
                                               monkeypatch):
    """With ONNX Runtime the crop runs on one torch thread (its spinning
    workers would stall a multi-threaded op); torch's own backend keeps
    the threads, and the thread count is restored after every crop."""
    from stark_plugin.models.trackers import stark_tracker
    seen = []
    real = stark_tracker.sample_target

    def spy(*args, **kwargs):
        seen.append(torch.get_num_threads())
        return real(*args, **kwargs)

    monkeypatch.setattr(stark_tracker, 'sample_target', spy)
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        frames, boxes = lissajous_sequence(3, 240, 320, seed=2)
        for backend, threads in (('onnxruntime', 1), ('torch', 2)):
            seen.clear()
            inf = SOTInferencer(tiny, backend=backend,
                                onnx_dir=exported
                                if backend == 'onnxruntime' else None)
            inf.init(frames[0], boxes[0])
            inf.track(frames[1])
            assert seen and set(seen) == {threads}, backend
            assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_onnxruntime_backend_errors(tmp_path, tiny, exported):
    with pytest.raises(FileNotFoundError, match='export_onnx'):
        SOTInferencer(tiny, backend='onnxruntime', onnx_dir=str(tmp_path))
    tiny.test_cfg['update_intervals'] = [10, 20]
    try:
        with pytest.raises(ValueError, match='re-export'):
            SOTInferencer(tiny, backend='onnxruntime', onnx_dir=exported)
    finally:
        tiny.test_cfg['update_intervals'] = [10]


def _session_settings(session) -> dict:
    """Spinning entries and intra-op threads read back from a created
    session's options."""
    from stark_plugin.deploy.onnx_runtime import SPINNING_KEYS
    opts = session.get_session_options()
    return dict({k: opts.get_session_config_entry(k) for k in SPINNING_KEYS},
                threads=opts.intra_op_num_threads)


def test_onnxruntime_spinning_is_off_unless_asked(exported, tiny):
    """Both sessions carry the spin-wait setting (off by default, on with
    ``ort_spinning=True``) and torch's thread count unless given."""
    from stark_plugin.deploy.onnx_runtime import OnnxStarkModel
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        off = SOTInferencer(tiny, backend='onnxruntime', onnx_dir=exported)
        on = SOTInferencer(tiny, backend='onnxruntime', onnx_dir=exported,
                           ort_spinning=True)
        three = OnnxStarkModel(exported, tiny, num_threads=3)
    finally:
        torch.set_num_threads(before)
    for inf, flag in ((off, '0'), (on, '1')):
        for session in (inf.net.template_session, inf.net.search_session):
            assert _session_settings(session) == {
                'session.intra_op.allow_spinning': flag,
                'session.inter_op.allow_spinning': flag, 'threads': 2}
    assert _session_settings(three.search_session)['threads'] == 3
    # tracking works either way
    frames, boxes = lissajous_sequence(2, 240, 320, seed=2)
    for inf in (off, on):
        inf.init(frames[0], boxes[0])
        assert len(inf.track(frames[1])['box']) == 4
