"""``SOTMetric``: benchmark metrics of whole tracked videos."""
import logging
import os.path as osp
import warnings
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from stark_plugin.registry import METRICS
from ..functional import (BENCHMARKS, PROTOCOLS, InvalidPredictionWarning,
                          SequenceInput, build_protocol, default_protocol)
from ..report import format_metric_table, scalar_metrics
from ..submission import SUBMISSION_BENCHMARKS, write_submission

__all__ = ['SOTMetric']


def _as_dict(sample: Any) -> Dict[str, Any]:
    if isinstance(sample, dict):
        return sample
    if hasattr(sample, 'to_dict'):
        return sample.to_dict()
    raise TypeError(f'SOTMetric expects one dict per video, got '
                    f'{type(sample).__name__}')


def _to_numpy(value: Any) -> Optional[np.ndarray]:
    if value is None:
        return None
    if hasattr(value, 'detach'):  # a tensor, without importing torch
        value = value.detach().cpu().numpy()
    return np.asarray(value)


@METRICS.register_module()
class SOTMetric(BaseMetric):
    """Single object tracking metrics with a named toolkit protocol.

    Args:
        benchmark: ``lasot``, ``got10k``, ``trackingnet``, ``otb100``,
            ``uav123`` or ``custom``.
        protocol: one of :data:`PROTOCOLS`; default: the protocol the
            benchmark's published numbers use (LaSOT: ``pytracking``, GOT-10k:
            ``got10k``, TrackingNet: ``trackingnet_server``, OTB/UAV:
            ``got10k``).
        format_only: write a server submission (GOT-10k / TrackingNet)
            instead of computing metrics.
        outfile_prefix: submission files go to ``<outfile_prefix>/`` and
            ``<outfile_prefix>.zip``.
        submission_dir: same as ``outfile_prefix`` (takes precedence).
        expected_num_videos: if given, a submission must hold that many
            videos.
        on_invalid: ``'miss'`` or ``'toolkit'`` (see ``BaseProtocol``).
        collect_device, prefix: see :class:`mmengine.evaluator.BaseMetric`.

    ``process`` takes one dict per video (see :meth:`process`).
    """
    default_prefix = 'sot'

    def __init__(self,
                 benchmark: str = 'custom',
                 protocol: Optional[str] = None,
                 format_only: bool = False,
                 outfile_prefix: Optional[str] = None,
                 submission_dir: Optional[str] = None,
                 expected_num_videos: Optional[int] = None,
                 on_invalid: str = 'miss',
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        benchmark = benchmark.lower()
        if benchmark not in BENCHMARKS:
            raise ValueError(f'unknown benchmark {benchmark!r}; expected one '
                             f'of {BENCHMARKS}')
        protocol = protocol or default_protocol(benchmark)
        if protocol not in PROTOCOLS:
            raise ValueError(f'unknown protocol {protocol!r}; expected one '
                             f'of {sorted(PROTOCOLS)}')
        self.benchmark = benchmark
        self.protocol = protocol
        self.on_invalid = on_invalid
        self.format_only = format_only
        self.submission_dir = submission_dir or outfile_prefix
        self.expected_num_videos = expected_num_videos
        if format_only:
            if benchmark not in SUBMISSION_BENCHMARKS:
                raise ValueError(f'format_only needs a benchmark with a test '
                                 f'server {SUBMISSION_BENCHMARKS}, got '
                                 f'{benchmark!r}')
            if not self.submission_dir:
                raise ValueError('format_only=True needs outfile_prefix or '
                                 'submission_dir')

    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        """Store one entry per finished video.

        Each element of ``data_samples`` is a dict with ``video_name`` (str),
        ``pred_bboxes`` (N x 4 xywh, frame 0 = init box), ``gt_bboxes`` (N x 4
        xywh, NaN rows allowed; for test splits it may hold frame 0 only),
        and optionally ``visible`` / ``absent`` (N bool), ``cover`` (N ints,
        GOT-10k), ``img_shape`` ((h, w)), ``frame_times`` (N seconds),
        ``scores`` (N floats, kept but not scored).
        """
        for sample in data_samples:
            s = _as_dict(sample)
            for key in ('video_name', 'pred_bboxes'):
                if key not in s:
                    raise KeyError(f'SOTMetric.process: missing {key!r} in '
                                   f'video entry with keys {sorted(s)}')
            entry = {'video_name': str(s['video_name'])}
            for key in ('pred_bboxes', 'gt_bboxes', 'visible', 'absent',
                        'cover', 'frame_times', 'scores'):
                arr = _to_numpy(s.get(key))
                if arr is not None:
                    entry[key] = arr
            if s.get('img_shape') is not None:
                entry['img_shape'] = tuple(
                    float(v) for v in list(s['img_shape'])[:2])
            self.results.append(entry)

    # ------------------------------------------------------------------
    @staticmethod
    def _dedupe_sorted(results: List[dict]) -> List[dict]:
        by_name: Dict[str, dict] = {}
        for r in results:
            if r['video_name'] in by_name:
                warnings.warn(f'video {r["video_name"]!r} was collected '
                              'twice; keeping the first copy')
                continue
            by_name[r['video_name']] = r
        return [by_name[k] for k in sorted(by_name)]

    def _to_input(self, r: dict) -> SequenceInput:
        if 'gt_bboxes' not in r:
            raise KeyError(f'video {r["video_name"]!r}: gt_bboxes is needed '
                           'to compute metrics (or use format_only=True)')
        visible = r.get('visible')
        if visible is None and r.get('absent') is not None:
            visible = ~r['absent'].astype(bool)
        size = None
        if r.get('img_shape') is not None:
            size = (r['img_shape'][1], r['img_shape'][0])
        return SequenceInput(
            name=r['video_name'],
            gt_bboxes=r['gt_bboxes'],
            pred_bboxes=r['pred_bboxes'],
            visible=visible,
            cover=r.get('cover'),
            image_size=size,
            frame_times=r.get('frame_times'))

    def _format(self, results: List[dict]) -> Dict[str, float]:
        boxes = {r['video_name']: r['pred_bboxes'] for r in results}
        times = {
            r['video_name']: r['frame_times']
            for r in results if r.get('frame_times') is not None
        }
        lengths = {
            r['video_name']: len(r['gt_bboxes'])
            for r in results
            if r.get('gt_bboxes') is not None and len(r['gt_bboxes']) > 1
        }
        zip_path = write_submission(
            self.benchmark,
            boxes,
            self.submission_dir,
            frame_times=times,
            zip_path=osp.normpath(self.submission_dir) + '.zip',
            expected_lengths=lengths,
            expected_num_videos=self.expected_num_videos)
        print_log(f'{self.benchmark} submission of {len(boxes)} videos '
                  f'written to {zip_path}', 'current')
        return {}

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Metrics in percent, keyed as the protocol defines them."""
        results = self._dedupe_sorted(results)
        if self.format_only:
            return self._format(results)
        protocol = build_protocol(self.protocol, self.benchmark,
                                  self.on_invalid)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always', InvalidPredictionWarning)
            outcome = protocol.evaluate([self._to_input(r) for r in results])
        for w in caught:
            print_log(str(w.message), 'current', logging.WARNING)
        metrics = scalar_metrics(outcome.metrics)
        if 'error' in outcome.metrics:
            print_log(f'[{self.protocol}] {outcome.metrics["error"]}',
                      'current', logging.ERROR)
        table = format_metric_table({self.benchmark: outcome.metrics},
                                    self.protocol,
                                    [k for k in protocol.metric_keys
                                     if k in metrics],
                                    title='benchmark')
        print_log(f'SOT metrics ({len(results)} videos, protocol '
                  f'{self.protocol!r}):\n{table}', 'current')
        return metrics
