"""Video sources and the annotated-video writer.

Frames come from a video file, a folder of frames or a webcam, each as
``(frame_index, frame_bgr or None)`` (an unreadable frame is ``None`` so
that numbering stays aligned).
"""
import math
import os
import os.path as osp
import warnings
from typing import Iterator, Optional, Tuple, Union

import cv2
import numpy as np

from ..errors import InputError
from .atomic import AtomicOutput
from .frames import IMAGE_EXTENSIONS, list_frames

__all__ = ['DEFAULT_FPS', 'FrameSource', 'FolderSource', 'CaptureSource',
           'open_source', 'VideoOutput']

DEFAULT_FPS = 30.0
Frame = Optional[np.ndarray]


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


class FolderSource(FrameSource):
    """Image files of a folder in natural order."""

    def __init__(self, folder: str, fps: Optional[float] = None) -> None:
        if not osp.isdir(folder):
            raise InputError(f'frame folder not found: {folder}')
        names = list_frames(folder)
        if not names:
            raise InputError(f'no image files ({", ".join(IMAGE_EXTENSIONS)})'
                             f' in folder {folder}')
        self.name = folder
        self.files = [osp.join(folder, n) for n in names]
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
