"""Deterministic synthetic weights of the parity fixtures.

The reference fixtures (``tests/data/reference``) were produced by the
official STARK code on weights described by a manifest: one entry per state
dict key with a distribution and its numbers. :func:`materialize_manifest`
rebuilds that state dict bit-exactly without any STARK code:

* ``seed = int.from_bytes(sha256(f'{base_seed}:{key}').digest()[:8],
  'little')``, ``rng = numpy.random.default_rng(seed)``;
* ``normal``: ``rng.standard_normal(shape) * scale + mean`` in float64,
  then one cast to the dtype; ``uniform``: ``rng.uniform(low, high,
  shape)``; ``zeros``: zeros.
"""
import hashlib
import json
from collections import OrderedDict
from typing import Dict, Optional

import numpy as np
import torch


def entry_seed(base_seed: int, key: str) -> int:
    digest = hashlib.sha256(f'{base_seed}:{key}'.encode('utf-8')).digest()
    return int.from_bytes(digest[:8], 'little')


def materialize_entry(entry: dict, base_seed: int) -> np.ndarray:
    """The array of one manifest entry."""
    shape = tuple(entry['shape'])
    dtype = np.dtype(entry['dtype'])
    dist = entry['dist']
    if dist == 'zeros':
        return np.zeros(shape, dtype=dtype)
    rng = np.random.default_rng(entry_seed(base_seed, entry['key']))
    if dist == 'normal':
        z = rng.standard_normal(size=shape)
        return (z * float(entry['scale']) + float(entry['mean'])).astype(dtype)
    if dist == 'uniform':
        return rng.uniform(float(entry['low']), float(entry['high']),
                           size=shape).astype(dtype)
    raise ValueError(f'unknown distribution {dist!r} for {entry["key"]}')


def materialize_manifest(
        manifest_path: str,
        checksums: Optional[Dict[str, str]] = None
) -> 'OrderedDict[str, torch.Tensor]':
    """State dict of a manifest, in manifest order (official key layout).

    Args:
        manifest_path: ``manifest_<model>.json``.
        checksums: optional ``{key: sha256 hex}`` of the raw little-endian
            C-order bytes; a mismatch raises ``ValueError``.
    """
    with open(manifest_path) as f:
        manifest = json.load(f)
    base_seed = int(manifest['base_seed'])
    out: 'OrderedDict[str, torch.Tensor]' = OrderedDict()
    for entry in manifest['entries']:
        arr = materialize_entry(entry, base_seed)
        if checksums is not None and entry['key'] in checksums:
            digest = hashlib.sha256(
                np.ascontiguousarray(arr).astype(
                    arr.dtype.newbyteorder('<')).tobytes()).hexdigest()
            if digest != checksums[entry['key']]:
                raise ValueError(f'{entry["key"]}: materialised array does '
                                 f'not match its SHA-256')
        out[entry['key']] = torch.from_numpy(arr)
    return out


def save_official_format(state_dict: 'OrderedDict[str, torch.Tensor]',
                         path: str,
                         extras: Optional[dict] = None) -> None:
    """Save a state dict as the official training code does:
    ``torch.save({'net': state_dict, 'epoch': ..., ...}, path)``.

    ``extras`` are added to the top-level dict (the official files also
    hold ``settings`` / ``stats`` / ``constructor`` objects of its ``lib``
    package).
    """
    ckpt = dict(
        net=state_dict,
        epoch=0,
        actor_type=None,
        net_type=None,
        net_info=None,
        constructor=None)
    ckpt.update(extras or {})
    torch.save(ckpt, path)
