"""The ONNX Runtime backend of ``SOTInferencer``: the graphs of
:func:`~stark_plugin.deploy.onnx_export.export_onnx` behind the model
interface of :class:`~stark_plugin.models.trackers.StarkTracker`.

``onnxruntime`` is an optional dependency (``requirements/onnx.txt``),
imported when a session is created.
"""
import json
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from torch import Tensor, nn

from ..models.layers.tokens import FeatureTokens
from .onnx_export import META_FILE, SEARCH_FILE, TEMPLATE_FILE

__all__ = ['OnnxStarkModel', 'check_onnx_parity', 'session_options']

#: session config keys of the spin-wait of ONNX Runtime's thread pools.
SPINNING_KEYS = ('session.intra_op.allow_spinning',
                 'session.inter_op.allow_spinning')


class _Normalizer:
    """The ``data_preprocessor`` interface the tracker needs."""

    def __init__(self, mean: Sequence[float], std: Sequence[float]) -> None:
        self.mean = torch.tensor(mean, dtype=torch.float32).view(1, 3, 1, 1)
        self.std = torch.tensor(std, dtype=torch.float32).view(1, 3, 1, 1)

    def normalize(self, img: Tensor) -> Tensor:
        return ((img.float() / 255.0) - self.mean) / self.std


def session_options(num_threads: Optional[int] = None,
                    spinning: bool = False):
    """``onnxruntime.SessionOptions`` of the backend: all graph
    optimisations, ``num_threads`` intra-op threads (default: torch's,
    ``torch.get_num_threads()``), and the threads' spin-wait between runs
    on or off (:data:`SPINNING_KEYS`). Spinning keeps a run's threads
    busy-waiting for the next one: it can save a little latency on an idle,
    dedicated CPU, and takes cores from every other process (and from the
    tracker's own torch ops) on a shared one."""
    import onnxruntime as ort
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = num_threads or torch.get_num_threads()
    opts.graph_optimization_level = \
        ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    for key in SPINNING_KEYS:
        opts.add_session_config_entry(key, '1' if spinning else '0')
    return opts


class OnnxStarkModel:
    """The two exported graphs behind the model interface of
    :class:`StarkTracker` (``extract_tokens``, ``forward_head``,
    ``test_cfg``), run by ONNX Runtime on CPU.

    ``extract_tokens`` runs the template graph for template-size crops; for
    search crops it only wraps the crop, which ``forward_head`` feeds to the
    search graph together with the template tokens.

    Args:
        onnx_dir: the ``--out`` folder of ``tools/deployment/export_onnx.py``.
        model: optional model whose ``test_cfg`` overrides the exported one
            (e.g. another update interval).
        num_threads: ONNX Runtime intra-op threads (default: torch's).
        providers: ONNX Runtime execution providers (default CPU).
        int8: True: ``onnx_dir`` must hold int8 graphs
            (``export_onnx.py --int8``); False: it must hold float graphs;
            None: either.
        ort_spinning: let ONNX Runtime's threads spin-wait between runs
            (:func:`session_options`; default off).
    """

    device = 'cpu'
    training = False
    #: torch threads of the tracker's crop and normalisation. One: ONNX
    #: Runtime's worker threads keep spinning for a while after each run,
    #: and a multi-threaded torch op then waits on a core they hold
    #: (measured on 2 cores: STARK-Lightning steps of 31, 68 and 72 ms in
    #: three runs; 21-28 ms in five runs with one thread; those runs had
    #: ONNX Runtime's default spin-wait on, see ``ort_spinning``).
    preprocess_threads = 1

    def __init__(self, onnx_dir: str, model: Optional[nn.Module] = None,
                 num_threads: Optional[int] = None,
                 providers: Optional[List[str]] = None,
                 int8: Optional[bool] = None,
                 ort_spinning: bool = False) -> None:
        try:
            import onnxruntime as ort
        except ImportError as err:
            raise ImportError('backend "onnxruntime" needs onnxruntime: pip '
                              'install -r requirements/onnx.txt') from err
        meta_path = osp.join(onnx_dir, META_FILE)
        for name in (META_FILE, TEMPLATE_FILE, SEARCH_FILE):
            if not osp.isfile(osp.join(onnx_dir, name)):
                raise FileNotFoundError(
                    f'{osp.join(onnx_dir, name)} not found: export with '
                    f'tools/deployment/export_onnx.py CONFIG CKPT --out '
                    f'{onnx_dir}')
        with open(meta_path) as f:
            self.meta = json.load(f)
        quantized = 'quantization' in self.meta
        if int8 is not None and int8 != quantized:
            raise ValueError(
                f'{onnx_dir} holds {"int8" if quantized else "float32"} '
                f'graphs; backend "onnxruntime{"-int8" if int8 else ""}" '
                f'needs {"int8" if int8 else "float32"} graphs (export with '
                f'tools/deployment/export_onnx.py{" --int8" if int8 else ""}'
                f')')
        self.test_cfg = dict(self.meta['test_cfg'])
        if model is not None:
            if int(model.test_cfg['search_size']) != \
                    self.meta['search_size'] or \
                    int(model.test_cfg['template_size']) != \
                    self.meta['template_size']:
                raise ValueError(
                    f'{onnx_dir} was exported for template/search sizes '
                    f'{self.meta["template_size"]}/{self.meta["search_size"]}'
                    f', the model has {model.test_cfg["template_size"]}/'
                    f'{model.test_cfg["search_size"]}')
            self.test_cfg.update(model.test_cfg)
        n_upd = len(self.test_cfg['update_intervals']) \
            if self.meta['with_score_head'] else 0
        if 1 + n_upd != self.meta['num_templates']:
            raise ValueError(
                f'{onnx_dir} takes {self.meta["num_templates"]} templates; '
                f'update_intervals {self.test_cfg["update_intervals"]} '
                f'need {1 + n_upd}: re-export with these settings')
        self.with_score_head = self.meta['with_score_head']
        self.data_preprocessor = _Normalizer(self.meta['mean'],
                                             self.meta['std'])
        opts = session_options(num_threads, ort_spinning)
        providers = providers or ['CPUExecutionProvider']
        self.template_session = ort.InferenceSession(
            osp.join(onnx_dir, TEMPLATE_FILE), opts, providers=providers)
        self.search_session = ort.InferenceSession(
            osp.join(onnx_dir, SEARCH_FILE), opts, providers=providers)
        self.template_hw = tuple(self.meta['template_hw'])

    @property
    def num_templates(self) -> int:
        return self.meta['num_templates']

    def extract_tokens(self, img: Tensor, mask: Tensor) -> FeatureTokens:
        size = img.shape[-1]
        if size == self.meta['template_size']:
            feat, fmask, pos = self.template_session.run(
                None, dict(img=_np(img), mask=_np(mask)))
            return FeatureTokens(
                torch.from_numpy(feat), torch.from_numpy(fmask),
                torch.from_numpy(pos), self.template_hw)
        if size != self.meta['search_size']:
            raise ValueError(f'crop size {size} is neither the exported '
                             f'template ({self.meta["template_size"]}) nor '
                             f'search ({self.meta["search_size"]}) size')
        # the search branch is part of the search graph
        return FeatureTokens(img, mask, img.new_zeros(0), (size, size))

    @staticmethod
    def search_feed(templates: Sequence[FeatureTokens],
                    search: FeatureTokens) -> Dict[str, np.ndarray]:
        """The inputs of the search graph, by name."""
        feed = dict(search=_np(search.feat), search_mask=_np(search.mask))
        for i, t in enumerate(templates):
            feed[f'feat_{i}'] = _np(t.feat)
            feed[f'mask_{i}'] = _np(t.mask)
            feed[f'pos_{i}'] = _np(t.pos)
        return feed

    def forward_head(self, templates: Sequence[FeatureTokens],
                     search: FeatureTokens, **kwargs) -> Dict[str, Tensor]:
        outs = self.search_session.run(None,
                                       self.search_feed(templates, search))
        result = dict(pred_boxes=torch.from_numpy(outs[0]))
        if len(outs) > 1:
            result['pred_logits'] = torch.from_numpy(outs[1])
        return result


def _np(t: Tensor) -> np.ndarray:
    return np.ascontiguousarray(t.detach().cpu().numpy())


def check_onnx_parity(model: nn.Module, onnx_dir: str, batch: int = 2,
                      seed: int = 0) -> Dict[str, float]:
    """Max abs difference between ONNX Runtime and PyTorch (``model``) on
    random crops with padded borders: template tokens and the search
    graph's outputs, for a batch of ``batch`` targets."""
    ort_model = OnnxStarkModel(onnx_dir, model)
    cfg = model.test_cfg
    t_size, s_size = int(cfg['template_size']), int(cfg['search_size'])
    g = torch.Generator().manual_seed(seed)
    device = next(model.parameters()).device

    def crops(size: int):
        img = torch.randn(batch, 3, size, size, generator=g)
        mask = torch.zeros(batch, size, size, dtype=torch.bool)
        mask[0, :, :size // 5] = True
        mask[-1, size - size // 3:] = True
        return img, mask

    diffs: Dict[str, float] = {}
    model.eval()
    with torch.no_grad():
        templates, ort_templates = [], []
        for _ in range(model.num_templates):
            img, mask = crops(t_size)
            ref = model.extract_tokens(img.to(device), mask.to(device))
            out = ort_model.extract_tokens(img, mask)
            for k in ('feat', 'pos'):
                d = (getattr(ref, k).cpu() - getattr(out, k)).abs().max()
                diffs[f'template_{k}'] = max(diffs.get(f'template_{k}', 0.0),
                                             float(d))
            if not torch.equal(ref.mask.cpu(), out.mask):
                diffs['template_mask'] = 1.0
            templates.append(ref)
            ort_templates.append(out)
        img, mask = crops(s_size)
        ref = model.forward_head(
            templates, model.extract_tokens(img.to(device), mask.to(device)))
        out = ort_model.forward_head(ort_templates,
                                     ort_model.extract_tokens(img, mask))
    for k in ('pred_boxes', 'pred_logits'):
        if k in out:
            diffs[k] = float((ref[k].cpu() - out[k]).abs().max())
    return diffs
