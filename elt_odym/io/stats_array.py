"""ODYM's ``stats_array`` uncertainty strings: ``type;p1;p2;p3``.

Conventions (documented in the README, section *Uncertainty strings*):

======  ============  ==========================================================  ========
code    distribution  parameters                                                  example
======  ============  ==========================================================  ========
0       none          (the value is certain)                                      ``0``
1       none          alias of 0 (stats_arrays' "no uncertainty")                 ``1``
2       lognormal     p1 = mu, p2 = sigma of log(x) (p1 may be empty: ln(value))  ``2;;0.1``
3       normal        p1 = mean (empty: the value), p2 = standard deviation       ``3;;0.5``
4       uniform       p1 = minimum, p2 = maximum                                  ``4;2;3``
5       triangular    p1 = minimum, p2 = mode (empty: the value), p3 = maximum    ``5;2;;3``
8       weibull       p1 = shape, p2 = scale                                      ``8;3.3;10``
======  ============  ==========================================================  ========

The codes follow the ``stats_arrays`` package used by brightway and ODYM (2 lognormal,
3 normal, 4 uniform, 5 triangular, 8 Weibull).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

KINDS = {0: "none", 1: "none", 2: "lognormal", 3: "normal", 4: "uniform", 5: "triangular",
         8: "weibull"}


@dataclass(frozen=True)
class Uncertainty:
    """A parsed uncertainty: a distribution name and its parameters (NaN where empty)."""

    kind: str
    p1: float = float("nan")
    p2: float = float("nan")
    p3: float = float("nan")

    def sample(self, value: float, n: int, rng: np.random.Generator) -> np.ndarray:
        """Draw ``n`` samples; empty parameters fall back to ``value`` as documented above."""
        p1 = value if np.isnan(self.p1) else self.p1
        if self.kind == "none":
            return np.full(n, float(value))
        if self.kind == "normal":
            return rng.normal(p1, self.p2, n)
        if self.kind == "lognormal":
            mu = np.log(value) if np.isnan(self.p1) else self.p1
            return rng.lognormal(mu, self.p2, n)
        if self.kind == "uniform":
            return rng.uniform(self.p1, self.p2, n)
        if self.kind == "triangular":
            mode = value if np.isnan(self.p2) else self.p2
            return sample_triangular(rng, np.float64(self.p1), np.float64(mode),
                                     np.float64(self.p3), n)
        if self.kind == "weibull":
            return self.p2 * rng.weibull(self.p1, n)
        raise ValueError(f"unknown uncertainty kind {self.kind!r}")


def sample_triangular(rng: np.random.Generator, low: np.ndarray, mode: np.ndarray,
                      high: np.ndarray, n: int) -> np.ndarray:
    """``n`` draws of triangular(low, mode, high) by inverse transform, arrays elementwise.

    Returns shape ``(n,) + mode.shape``; where ``high == low`` every draw is the mode.
    """
    low, mode, high = (np.asarray(a, float) for a in (low, mode, high))
    u = rng.random((n,) + np.shape(mode))
    width = np.where(high > low, high - low, 1.0)
    c = np.where(high > low, (mode - low) / width, 0.5)
    left = low + np.sqrt(u * width * (mode - low))
    right = high - np.sqrt((1 - u) * width * (high - mode))
    return np.where(high > low, np.where(u < c, left, right), mode)


def parse_stats_array(text: str) -> Uncertainty:
    """Parse ``type;p1;p2;p3``; an empty string or ``none`` means no uncertainty.

    ODYM's templates write ``none`` for no uncertainty and for an unused parameter
    (``3;16;4.8;none``); both are read as empty.

    Raises
    ------
    ValueError
        With a message saying which part is wrong.
    """
    text = (text or "").strip()
    if not text or text.lower() == "none":
        return Uncertainty("none")
    parts = ["" if p.strip().lower() == "none" else p.strip() for p in text.split(";")]
    try:
        code = int(float(parts[0]))
    except ValueError:
        raise ValueError(f"type code {parts[0]!r} is not an integer") from None
    if code not in KINDS:
        raise ValueError(f"type code {code} is not one of {sorted(KINDS)}")
    params = []
    for p in parts[1:4]:
        try:
            params.append(float(p) if p else float("nan"))
        except ValueError:
            raise ValueError(f"parameter {p!r} is not a number") from None
    params += [float("nan")] * (3 - len(params))
    unc = Uncertainty(KINDS[code], *params)
    _check(unc)
    return unc


def _check(unc: Uncertainty) -> None:
    need = {"normal": ("p2",), "lognormal": ("p2",), "uniform": ("p1", "p2"),
            "triangular": ("p1", "p3"), "weibull": ("p1", "p2")}.get(unc.kind, ())
    for name in need:
        if np.isnan(getattr(unc, name)):
            raise ValueError(f"{unc.kind} needs parameter {name}")
    if unc.kind in ("uniform",) and not unc.p1 <= unc.p2:
        raise ValueError("uniform needs p1 <= p2")
    if unc.kind == "triangular" and not unc.p1 <= unc.p3:
        raise ValueError("triangular needs p1 <= p3")
    if unc.kind == "triangular" and not np.isnan(unc.p2) and not unc.p1 <= unc.p2 <= unc.p3:
        raise ValueError("triangular is min;mode;max here (stats_arrays/ODYM order "
                         "mode;min;max is not read)")
    if unc.kind == "weibull" and not (unc.p1 > 0 and unc.p2 > 0 and np.isnan(unc.p3)):
        raise ValueError("weibull is shape;scale here, both positive (the stats_arrays/ODYM "
                         "order loc;scale;shape, e.g. 8;0;0.059;4.2, is not read)")
