"""Regenerate the vot-toolkit reference files of this folder.

Needs vot-toolkit 0.9.0 (``pip install vot-toolkit==0.9.0 attributee==0.1.9``
on Python 3.11) and, for the 0.5.3 overlaps, the source of vot-toolkit 0.5.3
(``pip download --no-deps vot-toolkit==0.5.3``; only its
``vot/region/raster.py`` is run, on 0.9.0's region classes, because 0.5.3
does not import on Python >= 3.10)::

    python make_toolkit_refs.py \
        --raster-053 vot-toolkit-0.5.3/vot/region/raster.py

Writes ``overlap_cases.json`` (random region pairs as VOT text lines and
their ``calculate_overlap`` with and without image bounds, 0.9.0 and 0.5.3)
and ``mixed.bin`` / ``mixed.txt`` (one trajectory of every region kind,
written by the toolkit's binary and text writers).
"""
import argparse
import json
import os.path as osp
import types

import numpy as np
from vot.region import Special
from vot.region.io import parse_region, write_trajectory
from vot.region.raster import calculate_overlap
from vot.region.shapes import Mask, Polygon, Rectangle

HERE = osp.dirname(osp.abspath(__file__))
SIZE = (64, 48)


def random_line(rng: np.random.Generator) -> str:
    kind = rng.choice(['rect', 'rect', 'half', 'poly', 'grid', 'rot', 'mask',
                       'special', 'empty', 'tiny', 'out', 'nan'])
    if kind == 'special':
        return str(int(rng.integers(0, 3)))
    if kind == 'nan':
        return 'nan,nan,nan,nan'
    if kind == 'empty':
        return '0,0,0,0'
    if kind == 'mask':
        h, w = (int(v) for v in rng.integers(1, 15, 2))
        m = (rng.random((h, w)) < rng.uniform(0.1, 1)).astype(np.uint8)
        off = (int(rng.integers(-10, 60)), int(rng.integers(-10, 45)))
        return str(Mask(m, off, optimize=False))
    lows, highs = {'rect': ([-20, -20, 0, 0], [70, 60, 40, 40]),
                   'half': ([-10, -10, 0, 0], [60, 50, 30, 30]),
                   'tiny': ([0, 0, 0, 0], [60, 45, 2.5, 2.5]),
                   'out': ([-100, -100, 1, 1], [200, 200, 30, 30])
                   }.get(kind, (None, None))
    if lows is not None:
        v = rng.uniform(lows, highs)
        v = np.round(v * 2) / 2 if kind == 'half' else v
    elif kind == 'poly':
        v = rng.uniform(-10, 70, 2 * int(rng.integers(3, 8)))
    elif kind == 'grid':
        v = rng.integers(-3, 12, 2 * int(rng.integers(3, 7))) + rng.choice(
            [0, 0.5], 1)
    else:
        c, a, s = rng.uniform(0, 60, 2), rng.uniform(0, np.pi), \
            rng.uniform(2, 20, 2)
        rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
        v = ((np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]]) * s) @ rot.T +
             c).reshape(-1)
    return ','.join(repr(float(x)) for x in np.asarray(v, np.float32))


def load_053(path: str) -> types.ModuleType:
    src = open(path).read().replace('cache=True', 'cache=False')
    module = types.ModuleType('raster_053')
    exec(compile(src, 'raster_053', 'exec'), module.__dict__)
    return module


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument('--raster-053', required=True)
    parser.add_argument('--seed', type=int, default=20261203)
    parser.add_argument('--cases', type=int, default=600)
    args = parser.parse_args()
    old = load_053(args.raster_053)
    rng = np.random.default_rng(args.seed)
    cases = []
    for _ in range(args.cases):
        a, b = random_line(rng), random_line(rng)
        ra, rb = parse_region(a), parse_region(b)
        cases.append(dict(
            a=a, b=b,
            bounded=calculate_overlap(ra, rb, SIZE),
            unbounded=calculate_overlap(ra, rb, None),
            bounded_053=old.calculate_overlap(ra, rb, SIZE),
            unbounded_053=old.calculate_overlap(ra, rb, None),
            a_empty=bool(ra.is_empty())))
    with open(osp.join(HERE, 'overlap_cases.json'), 'w') as f:
        json.dump(dict(generator='make_toolkit_refs.py', toolkit='0.9.0',
                       seed=args.seed, size=SIZE, cases=cases), f, indent=0)
    big = np.ones((300, 300), np.uint8)  # a 90000 run: split in binary
    big[0, :3] = 0
    mixed = [Special(1), Rectangle(10.25, 20.5, 30.0, 40.75),
             Rectangle(12.34, 0.1, 5.5, 7.0),
             Polygon([(1.5, 2.5), (30.25, 4.0), (20.0, 40.125)]),
             Mask(big, (5, 7), optimize=False),
             Mask(np.array([[0, 1, 1], [1, 1, 0]], np.uint8), (-2, 3)),
             Special(2), Special(0), Special(0), Special(0), Special(0),
             Special(1), Rectangle(0, 0, 0, 0)]
    write_trajectory(osp.join(HERE, 'mixed.bin'), mixed)
    write_trajectory(osp.join(HERE, 'mixed.txt'), mixed)


if __name__ == '__main__':
    main()
