"""The table of a training parity run and the distances its rows use."""
from typing import Any, Dict, List, Optional

import numpy as np


class Report:
    """Rows of (check, measured, tolerance, passed)."""

    def __init__(self) -> None:
        self.rows: List[Dict[str, Any]] = []

    def add(self, check: str, measured: float, tolerance: float,
            passed: Optional[bool] = None) -> None:
        """A row; by default it passes when ``measured <= tolerance``."""
        measured = float(measured)
        if passed is None:
            passed = bool(np.isfinite(measured) and measured <= tolerance)
        self.rows.append(dict(check=check, measured=measured,
                              tolerance=float(tolerance),
                              passed=bool(passed)))

    def equal(self, check: str, ours: Any, official: Any) -> None:
        """An exact-match row (measured: 0 when equal, else 1)."""
        same = _same(ours, official)
        self.add(check, 0.0 if same else 1.0, 0.0, same)
        if not same:
            self.rows[-1]['detail'] = f'ours {ours!r} != official {official!r}'

    @property
    def passed(self) -> bool:
        """Every row passed (and there is at least one)."""
        return bool(self.rows) and all(r['passed'] for r in self.rows)

    def print(self) -> None:
        """Print the table and the pass / fail count."""
        width = max(len(r['check']) for r in self.rows)
        print(f'{"check":<{width}}  {"measured":>11}  {"tolerance":>10}  '
              f'result')
        for r in self.rows:
            print(f'{r["check"]:<{width}}  {r["measured"]:>11.3g}  '
                  f'{r["tolerance"]:>10.3g}  '
                  f'{"pass" if r["passed"] else "FAIL"}')
            if not r['passed'] and r.get('detail'):
                print(f'    {r["detail"]}')
        failed = sum(not r['passed'] for r in self.rows)
        print(f'{len(self.rows) - failed} passed, {failed} failed')


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) or isinstance(b, float):
        try:
            return bool(np.isclose(float(a), float(b), rtol=1e-9, atol=0))
        except (TypeError, ValueError):
            return False
    return a == b


def max_abs(a: Any, b: Any) -> float:
    """Largest absolute difference (inf when the shapes differ)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return float('inf')
    return float(np.max(np.abs(a - b))) if a.size else 0.0


def rel(a: float, b: float) -> float:
    """Relative difference of ``a`` to the reference ``b``."""
    return abs(float(a) - float(b)) / max(abs(float(b)), 1e-30)

