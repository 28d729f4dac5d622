"""Deterministic drawing of training samples, and skipping bad data.

A training item is named by a key, usually ``(seed, epoch, index)`` from
:class:`~stark_plugin.datasets.samplers.QuotaSampler` (a plain int works
too). Everything random about the item derives from the key and the
attempt number: which dataset and video (:func:`draw_sample`'s ``pick``)
and, through numpy's global generator seeded for the duration of the
pipeline, the frames, jitter, flips and brightness. The sample is thus the
same in any data worker, with or without persistent workers, and after a
``--resume``.

A rejected sample (the pipeline returned None: an invalid crop, a failed
frame draw) is drawn again with the next attempt, as the official sampler
redraws. So is a sample whose data is bad (a missing or unreadable frame):
that skip is counted and logged once per file, and the run goes on.
"""
import contextlib
import logging
from collections import Counter
from typing import Any, Callable, Iterator, List, Optional, Tuple

import cv2
import numpy as np
from mmengine.logging import print_log

#: errors that mean "this sample's data is bad", not "the code is wrong"
DATA_ERRORS = (OSError, ValueError, AssertionError, cv2.error)


def key_entropy(key: Any) -> List[int]:
    """The integers a key stands for (``(seed, epoch, index)`` or an int).
    """
    if isinstance(key, (tuple, list)):
        return [int(k) for k in key]
    return [int(key)]


@contextlib.contextmanager
def numpy_random_state(seed: int) -> Iterator[None]:
    """Seed numpy's global generator, restoring its state afterwards."""
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(state)


class BadDataLog:
    """Counts skipped samples and logs each bad file once (per process)."""

    def __init__(self) -> None:
        self.counts: Counter = Counter()
        #: the messages logged so far (one per distinct bad file / error)
        self.logged: List[str] = []
        self._seen: set = set()

    def skip(self, owner: str, record: Optional[dict],
             err: BaseException) -> None:
        reason = f'{type(err).__name__}: {err}'
        self.counts[owner] += 1
        if reason in self._seen:
            return
        self._seen.add(reason)
        where = '' if record is None else (
            f' (video {record.get("video_name")!r})')
        message = (f'{owner}: skipped a training sample with bad data'
                   f'{where}, drawing another: {reason} [skip '
                   f'{self.counts[owner]} in this process]')
        self.logged.append(message)
        print_log(message, logger='current', level=logging.WARNING)


def draw_sample(key: Any,
                pick: Callable[[np.random.Generator], Tuple[Any, int]],
                owner: str,
                bad_data: BadDataLog,
                max_refetch: int = 1000) -> Any:
    """The training sample of ``key``.

    Args:
        key: the item key (``(seed, epoch, index)`` or an int).
        pick: ``rng -> (dataset, video index)`` for one attempt.
        owner: dataset name for messages.
        bad_data: where skips are counted and logged.
        max_refetch: attempts before giving up.

    Raises:
        RuntimeError: every attempt was rejected or had bad data.
    """
    last_error: Optional[BaseException] = None
    for attempt in range(max_refetch):
        rng = np.random.default_rng(key_entropy(key) + [attempt])
        dataset, video = pick(rng)
        with numpy_random_state(int(rng.integers(2**32))):
            try:
                data = dataset.prepare_data(video)
            except DATA_ERRORS as err:
                last_error = err
                bad_data.skip(owner, _record(dataset, video), err)
                data = None
        if data is not None:
            return data
    hint = f'; last error: {last_error}' if last_error else ''
    raise RuntimeError(
        f'{owner}: no valid training sample for item {key} after '
        f'{max_refetch} attempts: every draw was rejected by the pipeline '
        f'(check the annotations, the frames and the crop settings){hint}'
    ) from last_error


def _record(dataset: Any, video: int) -> Optional[dict]:
    getter = getattr(dataset, '_video_record', None)
    try:
        return getter(video) if getter is not None else None
    except (IndexError, KeyError):
        return None
