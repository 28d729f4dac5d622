"""Score raw result folders against benchmark annotations."""
from typing import Dict, List, Optional, Sequence

from ..fileio.results import TrackerResult, load_tracker_results
from .benchmarks import SequenceAnnotation, load_benchmark
from .functional import ProtocolResult, SequenceInput, build_protocol

__all__ = ['make_sequence_inputs', 'evaluate_tracker', 'evaluate_results_dir']


def make_sequence_inputs(annotations: Sequence[SequenceAnnotation],
                         results: Dict[str, TrackerResult]
                         ) -> List[SequenceInput]:
    """Pair annotations with results (sequences without results skipped)."""
    out = []
    for anno in annotations:
        res = results.get(anno.name)
        if res is None:
            continue
        out.append(
            SequenceInput(
                name=anno.name,
                gt_bboxes=anno.gt_bboxes,
                pred_bboxes=res.pred_bboxes,
                visible=anno.visible,
                cover=anno.cover,
                image_size=anno.image_size,
                frame_times=res.frame_times))
    return out


def evaluate_tracker(annotations: Sequence[SequenceAnnotation],
                     results: Dict[str, TrackerResult],
                     protocol: Optional[str] = None,
                     benchmark: str = 'custom',
                     on_invalid: str = 'miss') -> ProtocolResult:
    """Score one tracker's results with a named protocol."""
    proto = build_protocol(protocol, benchmark, on_invalid)
    return proto.evaluate(make_sequence_inputs(annotations, results))


def evaluate_results_dir(dataset: str,
                         data_root: str,
                         results_dir: str,
                         protocol: Optional[str] = None,
                         split: Optional[str] = None,
                         on_invalid: str = 'miss') -> ProtocolResult:
    """Read ``dataset``'s annotations and one tracker's folder; score it."""
    annos = load_benchmark(dataset, data_root, split)
    results = load_tracker_results(results_dir, [a.name for a in annos])
    return evaluate_tracker(annos, results, protocol, dataset, on_invalid)
