"""STARK as a TraX server: the tracker process the VOT toolkit starts.

Speaks the TraX 4 server API of ``vot-trax`` (an optional dependency,
``requirements/vot.txt``, imported when the server starts). It announces:

- region formats rectangle, polygon and mask: a mask or polygon is
  tracked as its bounding box; a target given as a mask is answered with
  masks (the box filled), any other with rectangles;
- image format path, channel color;
- the multi-object protocol (unless ``single_object``): the toolkit may
  give several targets at initialisation and add targets on later
  frames; they are tracked as one batch. Each answer carries the target's
  ``confidence`` (STARK-ST's score) for the long-term analyses.

Python output goes to stderr while serving: stdout is the protocol
channel when the toolkit talks over pipes.
"""
import contextlib
import inspect
import sys
from typing import Any, List, Optional, Sequence

import numpy as np

from ..errors import DependencyError, InputError
from ..fileio.vot import VOTMask, VOTRegion
from .regions import MASK, POLYGON, RECTANGLE
from .session import Reply, TrackingSession, build_inferencer
from .settings import TrackerSettings, parse_tracker_settings

__all__ = ['import_trax', 'from_trax_region', 'to_trax_region', 'serve',
           'tracker_main']


def import_trax() -> Any:
    """The ``trax`` module of vot-trax, checked for the TraX 4 server API.

    Raises:
        DependencyError: vot-trax is missing or older than 4.
    """
    try:
        import trax
    except ImportError as err:
        raise DependencyError(
            'the VOT tracker needs vot-trax >= 4.0.1 (pip install -r '
            f'requirements/vot.txt): {err}') from None
    params = inspect.signature(trax.Server).parameters
    if 'multiobject' not in params:
        raise DependencyError(
            f'vot-trax at {trax.__file__} has the TraX 3 server API; the VOT '
            'tracker needs vot-trax >= 4.0.1 (pip install -r '
            'requirements/vot.txt)')
    return trax


def from_trax_region(region: Any) -> VOTRegion:
    """A vot-trax region as a :mod:`stark_plugin.fileio.vot` region."""
    kind = region.type
    if kind == RECTANGLE:
        return np.array(region.bounds(), np.float32)
    if kind == POLYGON:
        return np.array(list(region), np.float32).reshape(-1, 2)
    if kind == MASK:
        return VOTMask(region.array().copy(), tuple(region.offset()))
    raise InputError(f'unsupported region type {kind!r} from the client '
                     f'(expected {RECTANGLE}, {POLYGON} or {MASK})')


def to_trax_region(trax: Any, region: VOTRegion) -> Any:
    """A rectangle or mask region as a vot-trax region."""
    if isinstance(region, VOTMask):
        mask = np.ascontiguousarray(region.mask, dtype=np.uint8)
        return trax.Mask.create(mask, int(region.offset[0]),
                                int(region.offset[1]))
    return trax.Rectangle.create(*(float(v) for v in region))


def _frame_path(images: dict) -> str:
    image = images.get('color') if images else None
    if image is None:
        raise InputError('the request has no color image (the tracker '
                         'announces the color channel only)')
    kind = image.type()  # a method on vot-trax images
    if kind != 'path':
        raise InputError(f'the color image comes as {kind!r}; the tracker '
                         'announces the path format only')
    return image.path()


def _answer(session: TrackingSession, request: Any) -> List[Reply]:
    path = _frame_path(request.image)
    regions: Sequence[VOTRegion] = [
        from_trax_region(region) for region, _ in (request.objects or [])]
    if request.type == 'initialize':
        return session.initialize(path, regions)
    return session.track(path, regions)


def serve(session: TrackingSession, trax: Any, multiobject: bool = True,
          name: str = 'STARK', description: str = '') -> None:
    """Answer the client's requests until it quits.

    An error while answering ends the session with the error as the
    reason (the toolkit shows it), then propagates.
    """
    server = trax.Server(
        [RECTANGLE, POLYGON, MASK], ['path'], image_channels=['color'],
        tracker_name=name, tracker_description=description,
        tracker_family='STARK', multiobject=multiobject)
    while True:
        request = server.wait()
        if request.type == 'quit':
            return
        try:
            replies = _answer(session, request)
        except Exception as err:
            with contextlib.suppress(Exception):  # keep the first error
                server.quit(reason=f'{type(err).__name__}: {err}')
            raise
        server.status([(to_trax_region(trax, region), props)
                       for region, props in replies])


def _describe(settings: TrackerSettings) -> str:
    return f'checkpoint={settings.checkpoint} config={settings.config} ' \
        f'backend={settings.backend} device={settings.device}'


def tracker_main(argv: Optional[Sequence[str]] = None) -> int:
    """``python -m stark_plugin.vot [options]``: build the tracker from the
    arguments / ``STARK_VOT_*`` variables and serve the toolkit."""
    settings = parse_tracker_settings(argv)
    trax = import_trax()
    with contextlib.redirect_stdout(sys.stderr):
        inferencer = build_inferencer(settings)
        serve(TrackingSession(inferencer), trax,
              multiobject=not settings.single_object,
              description=_describe(settings))
    return 0
