"""The paths a benchmark compares: graph export of the ONNX Runtime
backends and the :class:`SOTInferencer` arguments of each path."""
import tempfile
import time
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import torch

from stark_plugin.apis.inference import BACKENDS, ONNX_BACKENDS
from stark_plugin.deploy.int8 import export_int8
from stark_plugin.deploy.onnx_export import export_onnx

#: the inferencer arguments of the naive path (the speed-up baseline: full
#: forward each frame, per-frame preprocessing, nothing cached).
NAIVE_KWARGS = dict(cache_templates=False, fast=False)


def check_backends(backends: Sequence[str]) -> None:
    """Raise ValueError for a name that is not one of ``BACKENDS``."""
    for b in backends:
        if b not in BACKENDS:
            raise ValueError(f'unknown backend {b!r}; choose from {BACKENDS}')


def export_graphs(model: torch.nn.Module, backends: Sequence[str],
                  onnx_dir: Optional[str], int8_dir: Optional[str],
                  calib_frames: int,
                  tmp_dirs: List[tempfile.TemporaryDirectory],
                  log: Callable[[str], None]
                  ) -> Tuple[Optional[str], Optional[str]]:
    """Graph folders of the ONNX Runtime backends in ``backends``, exported
    to temporary folders (appended to ``tmp_dirs``) where not given."""
    if any(b in ONNX_BACKENDS for b in backends) and onnx_dir is None:
        tmp_dirs.append(tempfile.TemporaryDirectory())
        onnx_dir = tmp_dirs[-1].name
        start = time.perf_counter()
        export_onnx(model, onnx_dir)
        log(f'exported ONNX graphs in {time.perf_counter() - start:.1f} s')
    if 'onnxruntime-int8' in backends and int8_dir is None:
        tmp_dirs.append(tempfile.TemporaryDirectory())
        int8_dir = tmp_dirs[-1].name
        start = time.perf_counter()
        export_int8(model, int8_dir, calib_frames=calib_frames,
                    float_dir=onnx_dir)
        log(f'int8 graphs (calibrated on {calib_frames} frames) in '
            f'{time.perf_counter() - start:.1f} s')
    return onnx_dir, int8_dir


def backend_kwargs(backend: str, onnx_dir: Optional[str],
                   int8_dir: Optional[str],
                   ort_spinning: bool = False) -> Dict[str, object]:
    """The :class:`SOTInferencer` arguments of ``backend`` (the graph
    folder and the spinning setting of the ONNX Runtime backends)."""
    kwargs: Dict[str, object] = dict(backend=backend)
    if backend == 'onnxruntime':
        kwargs['onnx_dir'] = onnx_dir
    elif backend == 'onnxruntime-int8':
        kwargs['onnx_dir'] = int8_dir
    if backend in ONNX_BACKENDS:
        kwargs['ort_spinning'] = ort_spinning
    return kwargs


def benchmark_paths(backends: Sequence[str], naive: bool,
                    onnx_dir: Optional[str], int8_dir: Optional[str],
                    ort_spinning: bool = False
                    ) -> List[Tuple[str, Dict[str, object]]]:
    """``(name, inferencer arguments)`` of each path: the naive path
    first (with ``naive``), then each backend."""
    paths: List[Tuple[str, Dict[str, object]]] = []
    if naive:
        paths.append(('naive', dict(NAIVE_KWARGS)))
    for b in backends:
        paths.append((b, backend_kwargs(b, onnx_dir, int8_dir,
                                        ort_spinning)))
    return paths
