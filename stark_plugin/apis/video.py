"""Frame sources, box validation, atomic outputs and ``track_video``.

The demo (``demo_sot.py``) and scripts share this module: frames come from
a video file, a folder of frames or a webcam, each as ``(frame_index,
frame_bgr or None)``; ``track_video`` tracks one or more targets through
them with :class:`~stark_plugin.apis.SOTInferencer`.
"""
import inspect
import math
import os
import os.path as osp
import re
import time
import warnings
from typing import (Any, Dict, Iterator, List, Optional, Sequence, Tuple,
                    Union)

import cv2
import numpy as np
import torch

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif',
                    '.tiff')
DEFAULT_FPS = 30.0
Box = List[float]
Frame = Optional[np.ndarray]


class InputError(ValueError):
    """Bad user input (file, box, argument); the message says what/where."""


# -- frame sources -----------------------------------------------------------
class FrameSource:
    """Iterable of ``(frame_index, frame_bgr or None)``.

    Attributes:
        name: what the frames come from (path or ``webcam N``).
        fps: frames per second (of the input, or the default / given one).
        num_frames: frame count, ``None`` when unknown (webcam).
    """

    name: str = ''
    fps: float = DEFAULT_FPS
    num_frames: Optional[int] = None

    def frames(self,
               start_frame: int = 0,
               max_frames: Optional[int] = None
               ) -> Iterator[Tuple[int, Frame]]:
        """Frames ``start_frame, start_frame + 1, ...`` (at most
        ``max_frames``); an unreadable frame is warned about and yields
        ``None`` so that numbering stays aligned."""
        raise NotImplementedError

    def __iter__(self) -> Iterator[Tuple[int, Frame]]:
        return self.frames()

    def close(self) -> None:
        """Release the underlying capture, if any."""

    def __enter__(self) -> 'FrameSource':
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def count(self, start_frame: int = 0,
              max_frames: Optional[int] = None) -> Optional[int]:
        """Frames that ``frames(start_frame, max_frames)`` should yield."""
        if self.num_frames is None:
            return max_frames
        n = max(0, self.num_frames - start_frame)
        return n if max_frames is None else min(n, max_frames)


def _warn_unreadable(name: str, index: int, why: str = '') -> None:
    warnings.warn(f'frame {index} of {name} is unreadable'
                  f'{": " + why if why else ""}; skipped (numbering kept)')


def natural_key(name: str) -> list:
    """Sort key with digit runs compared as numbers (``2.jpg < 10.jpg``)."""
    return [int(p) if p.isdigit() else p.lower()
            for p in re.split(r'(\d+)', name)]


class FolderSource(FrameSource):
    """Image files of a folder in natural order."""

    def __init__(self, folder: str, fps: Optional[float] = None) -> None:
        if not osp.isdir(folder):
            raise InputError(f'frame folder not found: {folder}')
        files = [
            f for f in os.listdir(folder)
            if f.lower().endswith(IMAGE_EXTENSIONS)
            and osp.isfile(osp.join(folder, f))
        ]
        if not files:
            raise InputError(f'no image files ({", ".join(IMAGE_EXTENSIONS)})'
                             f' in folder {folder}')
        self.name = folder
        self.files = [osp.join(folder, f) for f in
                      sorted(files, key=natural_key)]
        self.num_frames = len(self.files)
        self.fps = float(fps) if fps else DEFAULT_FPS

    def frames(self, start_frame: int = 0,
               max_frames: Optional[int] = None
               ) -> Iterator[Tuple[int, Frame]]:
        stop = self.num_frames if max_frames is None else min(
            self.num_frames, start_frame + max_frames)
        for index in range(start_frame, stop):
            path = self.files[index]
            frame = cv2.imread(path, cv2.IMREAD_COLOR)
            if frame is None:
                _warn_unreadable(self.name, index,
                                 f'cannot decode {osp.basename(path)}')
            yield index, frame


class CaptureSource(FrameSource):
    """A video file or a webcam read with ``cv2.VideoCapture``.

    A failed read of a video file followed by a good one yields ``None``
    for each failed frame; failures at the end (the header often counts a
    frame or two too many) end the video with a warning instead.
    """

    max_failures = 10

    def __init__(self, source: Union[str, int],
                 fps: Optional[float] = None) -> None:
        self.is_webcam = isinstance(source, int)
        if self.is_webcam:
            self.name = f'webcam {source}'
        else:
            if not osp.isfile(source):
                raise InputError(f'input video not found: {source}')
            self.name = source
        self.cap = cv2.VideoCapture(source)
        if not self.cap.isOpened():
            what = ('cannot open ' + self.name if self.is_webcam else
                    f'cannot open video {source} (not a video or codec '
                    f'unsupported by OpenCV)')
            raise InputError(what)
        self.width = int(self.cap.get(cv2.CAP_PROP_FRAME_WIDTH))
        self.height = int(self.cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        src_fps = self.cap.get(cv2.CAP_PROP_FPS)
        if fps:
            self.fps = float(fps)
        elif self.is_webcam or not (src_fps and math.isfinite(src_fps)
                                    and 0 < src_fps < 1000):
            self.fps = DEFAULT_FPS
        else:
            self.fps = float(src_fps)
        count = int(self.cap.get(cv2.CAP_PROP_FRAME_COUNT))
        self.num_frames = None if self.is_webcam or count <= 0 else count

    def frames(self, start_frame: int = 0,
               max_frames: Optional[int] = None
               ) -> Iterator[Tuple[int, Frame]]:
        index = 0
        while index < start_frame:  # decode-and-drop: exact, unlike seeking
            if not self.cap.grab():
                raise InputError(f'--start-frame {start_frame} is past the '
                                 f'end of {self.name} ({index} frames)')
            index += 1
        produced, failed = 0, []
        while max_frames is None or produced < max_frames:
            ok, frame = self.cap.read()
            if ok and frame is not None:
                for bad in failed:
                    if max_frames is not None and produced >= max_frames:
                        return
                    _warn_unreadable(self.name, bad)
                    yield bad, None
                    produced += 1
                failed = []
                if max_frames is not None and produced >= max_frames:
                    return
                yield index, frame
                produced += 1
            else:
                failed.append(index)
                if len(failed) >= self.max_failures or (
                        self.num_frames is not None
                        and index + 1 >= self.num_frames):
                    break
            index += 1
        if failed and self.num_frames is not None and \
                failed[0] < self.num_frames - 1:
            warnings.warn(f'{self.name}: reading stopped at frame '
                          f'{failed[0]} (the header says {self.num_frames} '
                          f'frames)')

    def close(self) -> None:
        self.cap.release()


def open_source(source: Union[str, int, FrameSource],
                fps: Optional[float] = None) -> FrameSource:
    """A video file, a folder of frames or a webcam (an int or a string of
    digits) as a :class:`FrameSource`; ``fps`` overrides the frame rate."""
    if isinstance(source, FrameSource):
        return source
    if isinstance(source, int) or (isinstance(source, str)
                                   and source.isdigit()
                                   and not osp.exists(source)):
        return CaptureSource(int(source), fps)
    source = os.fspath(source)
    if osp.isdir(source):
        return FolderSource(source, fps)
    if not osp.exists(source):
        raise InputError(f'input not found: {source} (expected a video '
                         f'file, a folder of frames or a webcam index)')
    return CaptureSource(source, fps)


# -- boxes -------------------------------------------------------------------
def parse_box_line(line: str, where: str = 'box') -> Box:
    """``x,y,w,h`` separated by commas, tabs or spaces -> 4 floats.

    Eight values (a VOT polygon) give its axis-aligned bounding box.
    """
    parts = [p for p in re.split(r'[,\t ;]+', line.strip()) if p]
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise InputError(f'{where}: expected 4 numbers x,y,w,h, got '
                         f'{line.strip()!r}') from None
    if len(values) == 8:
        xs, ys = values[0::2], values[1::2]
        values = [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)]
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise InputError(f'{where}: expected 4 numbers x,y,w,h, got '
                         f'{line.strip()!r}')
    return values


def read_bbox_file(path: str) -> Box:
    """The first non-empty line of a ground-truth file as ``[x, y, w, h]``."""
    if not osp.isfile(path):
        raise InputError(f'bbox file not found: {path}')
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            if line.strip():
                return parse_box_line(line, f'{path}:{lineno}')
    raise InputError(f'bbox file is empty: {path}')


def validate_box(box: Sequence[float], img_hw: Tuple[int, int],
                 name: str = 'box') -> Box:
    """Check one ``[x, y, w, h]`` against an image of size ``img_hw``.

    Raises:
        InputError: not 4 finite numbers, empty (w or h <= 0), or no
            overlap with the image.
    """
    h_img, w_img = img_hw[:2]
    size = f'image size {w_img}x{h_img} (w x h)'
    try:
        box = [float(v) for v in box]
    except (TypeError, ValueError):
        raise InputError(f'{name} {box!r}: expected 4 numbers x y w h')
    if len(box) != 4 or not all(math.isfinite(v) for v in box):
        raise InputError(f'{name} {box}: expected 4 finite numbers x y w h')
    x, y, w, h = box
    if w <= 0 or h <= 0:
        raise InputError(f'{name} {_fmt(box)} is empty (w and h must be > 0'
                         f'); {size}')
    if x >= w_img or y >= h_img or x + w <= 0 or y + h <= 0:
        raise InputError(f'{name} {_fmt(box)} is outside the image '
                         f'(no overlap); {size}')
    return box


def _fmt(box: Sequence[float]) -> str:
    return '[' + ', '.join(f'{v:g}' for v in box) + ']'


# -- atomic outputs ----------------------------------------------------------
def partial_path(path: str) -> str:
    """``out.mp4`` -> ``out.partial.mp4`` (same folder, same extension so
    that OpenCV picks the same container)."""
    stem, ext = osp.splitext(path)
    return f'{stem}.partial{ext}'


def check_output_path(path: str, what: str = 'output') -> None:
    """The folder of ``path`` must exist and ``path`` must not be a
    folder."""
    folder = osp.dirname(osp.abspath(path))
    if not osp.isdir(folder):
        raise InputError(f'{what} folder does not exist: {folder} '
                         f'(for {path})')
    if osp.isdir(path):
        raise InputError(f'{what} path is a folder: {path}')


class AtomicOutput:
    """Base of outputs written to ``*.partial*`` and renamed at the end.

    ``commit()`` renames the temp file onto the target; ``abort(keep)``
    removes it (``keep=False``) or leaves it named ``.partial``.
    """

    def __init__(self, path: str) -> None:
        check_output_path(path)
        self.path = path
        self.tmp_path = partial_path(path)
        self.done = False

    def _close(self) -> None:
        raise NotImplementedError

    def commit(self) -> None:
        self._close()
        os.replace(self.tmp_path, self.path)
        self.done = True

    def abort(self, keep: bool = False) -> Optional[str]:
        """Close; remove the temp file unless ``keep``; returns the path
        that was kept, if any."""
        if self.done:
            return None
        self._close()
        self.done = True
        if osp.exists(self.tmp_path):
            if keep:
                return self.tmp_path
            os.remove(self.tmp_path)
        return None


class VideoOutput(AtomicOutput):
    """An mp4 (``mp4v``) writer of fixed frame size and rate."""

    def __init__(self, path: str, fps: float, size_wh: Tuple[int, int],
                 fourcc: str = 'mp4v') -> None:
        super().__init__(path)
        self.size_wh = tuple(int(v) for v in size_wh)
        self.writer = cv2.VideoWriter(self.tmp_path,
                                      cv2.VideoWriter_fourcc(*fourcc),
                                      float(fps), self.size_wh)
        if not self.writer.isOpened():
            raise InputError(f'cannot write video {path} (codec {fourcc} '
                             f'unavailable in OpenCV or bad extension)')
        self._resized_warned = False
        self.num_frames = 0

    def write(self, frame: np.ndarray) -> None:
        if frame.shape[1::-1] != self.size_wh:
            if not self._resized_warned:
                warnings.warn(f'frame size {frame.shape[1]}x{frame.shape[0]}'
                              f' differs from the first frame '
                              f'{self.size_wh[0]}x{self.size_wh[1]}; resized '
                              f'in {self.path}')
                self._resized_warned = True
            frame = cv2.resize(frame, self.size_wh)
        self.writer.write(frame)
        self.num_frames += 1

    def _close(self) -> None:
        self.writer.release()


class TxtOutput(AtomicOutput):
    """``frame,target,x,y,w,h,score`` lines, one per frame and target."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.file = open(self.tmp_path, 'w')

    def write(self, result: Dict[str, Any]) -> None:
        for t, (box, score) in enumerate(
                zip(result['boxes'], result['scores'])):
            self.file.write(f'{result["frame_index"]},{t},' +
                            ','.join(f'{v:.2f}' for v in box) +
                            f',{score:.4f}\n')

    def _close(self) -> None:
        if not self.file.closed:
            self.file.close()


# -- tracking ----------------------------------------------------------------
def _make_inferencer(model: Any, backend: str = 'torch',
                     onnx_dir: Optional[str] = None):
    from .inference import SOTInferencer
    params = inspect.signature(SOTInferencer.__init__).parameters
    kwargs = {}
    if 'backend' in params:
        kwargs['backend'] = backend
        if onnx_dir is not None:
            kwargs['onnx_dir'] = onnx_dir
    elif backend != 'torch':
        raise InputError(f'backend {backend!r} is not supported by this '
                         f'SOTInferencer (only "torch")')
    return SOTInferencer(model, **kwargs)


def _normalize_boxes(boxes: Sequence) -> List[Box]:
    boxes = list(boxes)
    if not boxes:
        raise InputError('no initial box given')
    if all(isinstance(v, (int, float, np.number)) for v in boxes):
        boxes = [boxes]  # a single box
    return [list(b) for b in boxes]


class _Targets:
    """Several targets on the multi-target ``SOTInferencer`` contract
    (``init`` returns an index, ``track`` returns ``targets``), or, on a
    single-target inferencer, one inferencer per target."""

    def __init__(self, inferencer: Any, frame: np.ndarray,
                 boxes: List[Box]) -> None:
        if hasattr(inferencer, 'reset'):
            inferencer.reset()
        self.inferencers = [inferencer]
        first = inferencer.init(frame, boxes[0])
        self.batched = first is not None  # the contract returns an index
        for box in boxes[1:]:
            if self.batched:
                inferencer.init(frame, box)
            else:
                extra = _make_inferencer(inferencer.model)
                extra.init(frame, box)
                self.inferencers.append(extra)

    def track(self, frame: np.ndarray) -> List[dict]:
        targets: List[dict] = []
        for inferencer in self.inferencers:
            result = inferencer.track(frame)
            targets.extend(result.get('targets', [result]))
        return targets


def track_video(model_or_inferencer: Any,
                source: Union[str, int, FrameSource],
                boxes: Sequence,
                start_frame: int = 0,
                max_frames: Optional[int] = None,
                fps: Optional[float] = None,
                backend: str = 'torch',
                onnx_dir: Optional[str] = None
                ) -> Iterator[Dict[str, Any]]:
    """Track targets through a video, frame folder or webcam.

    Args:
        model_or_inferencer: a model from :func:`init_model` or a
            ``SOTInferencer`` (its targets are reset).
        source: path, webcam index or :class:`FrameSource`.
        boxes: ``[x, y, w, h]`` or a list of them (pixels, in frame
            ``start_frame``).
        start_frame: first frame (the initial boxes refer to it).
        max_frames: at most this many frames, the first included.
        fps: frame-rate override of the source.
        backend, onnx_dir: passed to a ``SOTInferencer`` built here.

    Yields:
        ``dict(frame_index, frame (BGR or None if unreadable), boxes=[[x, y,
        w, h], ...], scores=[...], time (s of tracking, 0 on the first
        frame), init (first frame), valid (frame readable))``, one per
        frame. The first frame carries the initial boxes with score 1.0;
        an unreadable frame keeps the previous boxes with score 0.0.

    Raises:
        InputError: bad source, box empty / outside the image, unreadable
            first frame.
    """
    boxes = _normalize_boxes(boxes)
    if start_frame < 0:
        raise InputError(f'start frame must be >= 0, got {start_frame}')
    if max_frames is not None and max_frames <= 0:
        raise InputError(f'max frames must be > 0, got {max_frames}')
    own_source = not isinstance(source, FrameSource)
    src = open_source(source, fps)
    try:
        frames = src.frames(start_frame, max_frames)
        first = next(frames, None)
        if first is None:
            raise InputError(f'{src.name} has no frame {start_frame}')
        index, frame = first
        if frame is None:
            raise InputError(f'the first frame ({index}) of {src.name} is '
                             f'unreadable; choose another --start-frame')
        boxes = [
            validate_box(b, frame.shape, f'box {t}')
            for t, b in enumerate(boxes)
        ]
        if isinstance(model_or_inferencer, torch.nn.Module):
            inferencer = _make_inferencer(model_or_inferencer, backend,
                                          onnx_dir)
        else:
            inferencer = model_or_inferencer
        targets = _Targets(inferencer, frame, boxes)
        yield dict(frame_index=index, frame=frame,
                   boxes=[list(b) for b in boxes],
                   scores=[1.0] * len(boxes), time=0.0, init=True,
                   valid=True)
        last = [list(b) for b in boxes]
        for index, frame in frames:
            if frame is None:
                yield dict(frame_index=index, frame=None,
                           boxes=[list(b) for b in last],
                           scores=[0.0] * len(last), time=0.0, init=False,
                           valid=False)
                continue
            tic = time.perf_counter()
            results = targets.track(frame)
            elapsed = time.perf_counter() - tic
            out_boxes, scores = [], []
            for t, res in enumerate(results):
                box = [float(v) for v in res['box']]
                score = float(res['score'])
                if not all(math.isfinite(v) for v in box):
                    warnings.warn(f'frame {index}: target {t} got a '
                                  f'non-finite box {box}; kept the previous')
                    box, score = last[t], 0.0
                out_boxes.append(box)
                scores.append(score if math.isfinite(score) else 0.0)
            last = out_boxes
            yield dict(frame_index=index, frame=frame, boxes=out_boxes,
                       scores=scores, time=elapsed, init=False, valid=True)
    finally:
        if own_source:
            src.close()


# -- interactive -------------------------------------------------------------
def has_display() -> bool:
    """Whether an OpenCV window can be opened (X11/Wayland on Linux)."""
    if os.environ.get('QT_QPA_PLATFORM', '') == 'offscreen':
        return False
    if os.name == 'nt' or os.uname().sysname == 'Darwin':
        return True
    return bool(os.environ.get('DISPLAY') or
                os.environ.get('WAYLAND_DISPLAY'))


ROI_HELP = ('Select the target(s): drag a box with the mouse, press SPACE '
            'or ENTER to accept it (then draw the next one), press ESC when '
            'done; c cancels the box being drawn.')


def select_boxes(frame: np.ndarray,
                 window: str = 'select target(s)') -> List[Box]:
    """Interactive ROI selection (``cv2.selectROIs``) on ``frame``."""
    print(ROI_HELP, flush=True)
    try:
        rois = cv2.selectROIs(window, frame, showCrosshair=True)
    finally:
        cv2.destroyWindow(window)
    boxes = [[float(v) for v in r] for r in np.asarray(rois).reshape(-1, 4)]
    boxes = [b for b in boxes if b[2] > 0 and b[3] > 0]
    if not boxes:
        raise InputError('no box selected')
    return boxes
