"""Many draws of the one model: chunks of draws and the margins of every output.

The equations are written once (:func:`elt_odym.system.equations.evaluate`, draws first);
this layer runs them for batches that do not fit one call, and reduces every variable to the
series the Monte Carlo summarises and Sobol, sensitivity and calibration read: per variable and
year its total, each truck type (summed over materials or powertrains), each material (summed
over types), each powertrain, each chemistry. A material variable held as a
:class:`~elt_odym.system.variables.Product` is reduced without forming its
``(draws, years, types, materials)`` array.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .jit import jit
from .system.equations import evaluate
from .system.inputs import Draws, ModelInputs
from .system.variables import TOTAL, VARIABLES, Product, Results

LABEL_COLUMNS = ("truck_type", "powertrain", "chemistry", "material")


@dataclass(frozen=True)
class SeriesLayout:
    """The labels of every variable's margins: ``variables[v]`` has ``labels[v]``
    (``truck_type, powertrain, chemistry, material`` each), one series per label and year;
    series ``s`` of variable ``v``, label ``k``, year ``t`` is ``offset[v] + k * T + t``."""

    variables: list[str]
    labels: list[list[tuple[str, str, str, str]]]
    years: list[int]
    units: list[str]

    @property
    def size(self) -> int:
        """Number of series."""
        return sum(len(k) for k in self.labels) * len(self.years)

    def offset(self, variable: str) -> int:
        """Index of the first series of a variable."""
        n = 0
        for name, labels in zip(self.variables, self.labels):
            if name == variable:
                return n
            n += len(labels) * len(self.years)
        raise KeyError(variable)

    def starts(self) -> np.ndarray:
        """Index of the first series of each variable, and the number of series."""
        sizes = [len(k) * len(self.years) for k in self.labels]
        return np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)

    def select(self, rows: np.ndarray) -> tuple["SeriesLayout", np.ndarray]:
        """The layout of the variables holding the series ``rows`` (ascending), and where
        each of ``rows`` sits in it."""
        starts = self.starts()
        which = np.unique(np.searchsorted(starts, rows, side="right") - 1)
        sub = SeriesLayout([self.variables[v] for v in which],
                           [self.labels[v] for v in which], self.years,
                           [self.units[v] for v in which])
        sub_starts = sub.starts()
        v = np.searchsorted(starts, rows, side="right") - 1
        return sub, sub_starts[np.searchsorted(which, v)] + rows - starts[v]

    def index(self, variable: str, year: int, truck_type: str = TOTAL, material: str = "",
              powertrain: str = "", chemistry: str = "") -> int:
        """Index of one series."""
        v = self.variables.index(variable)
        k = self.labels[v].index((truck_type, powertrain, chemistry, material))
        return self.offset(variable) + k * len(self.years) + self.years.index(year)


def _labels(results: Results, name: str) -> list[tuple[str, str, str, str]]:
    """The margins of one variable (see the module docstring)."""
    dims, items = VARIABLES[name].dims, results.labels(name)
    g, m = [str(x) for x in items.get("g", [])], [str(x) for x in items.get("m", [])]
    p, k = [str(x) for x in items.get("p", [])], [str(x) for x in items.get("k", [])]
    if dims == ("t", "g"):
        return [(x, "", "", "") for x in g] + [(TOTAL, "", "", "")]
    if dims == ("t", "g", "m"):
        return ([(x, "", "", TOTAL) for x in g] + [(TOTAL, "", "", x) for x in m]
                + [(TOTAL, "", "", TOTAL)])
    if dims == ("t", "g", "p"):
        return ([(x, TOTAL, "", "") for x in g] + [(TOTAL, x, "", "") for x in p]
                + [(TOTAL, TOTAL, "", "")])
    if dims == ("t", "k"):
        return [("", "", x, "") for x in k] + [("", "", TOTAL, "")]
    if dims == ("t", "k", "m"):
        return ([("", "", x, TOTAL) for x in k] + [("", "", TOTAL, x) for x in m]
                + [("", "", TOTAL, TOTAL)])
    raise ValueError(f"no margins for the dimensions {dims} of {name}")


def series_layout(results: Results, variables: Sequence[str] | None = None) -> SeriesLayout:
    """The series of every variable of ``results`` (:class:`SeriesLayout`), or of the named
    ``variables`` only (in the order of ``results``).

    Raises
    ------
    KeyError
        If a named variable is not among the results.
    """
    names = list(results.values)
    if variables is not None:
        unknown = sorted(set(variables) - set(names))
        if unknown:
            raise KeyError(f"no variable {', '.join(unknown)} in the results; the variables "
                           f"are {', '.join(names)}")
        names = [name for name in names if name in set(variables)]
    return SeriesLayout(names, [_labels(results, n) for n in names], list(results.items["t"]),
                        [results.unit(n) for n in names])


BLOCK = 8
"""Draws written together: one cache line of each series."""


@jit
def _dense_margins(v, second, out, s0):
    """Margins of a dense variable ``v (N, T, X, Y)`` into ``out[s0 + k T + t, n]``: each
    ``x`` (summed over ``y``), each ``y`` (summed over ``x``) if ``second``, the total;
    :data:`BLOCK` draws at a time."""
    n, n_t, nx, ny = v.shape
    col = np.empty(ny)
    k_total = nx + (ny if second else 0)
    for n0 in range(0, n, BLOCK):
        for t in range(n_t):
            for i in range(n0, min(n0 + BLOCK, n)):
                col[:] = 0.0
                total = 0.0
                for x in range(nx):
                    s = 0.0
                    for y in range(ny):
                        a = v[i, t, x, y]
                        s += a
                        col[y] += a
                    out[s0 + x * n_t + t, i] = s
                    total += s
                if second:
                    for y in range(ny):
                        out[s0 + (nx + y) * n_t + t, i] = col[y]
                out[s0 + k_total * n_t + t, i] = total


@jit
def _product_margins(base, idx, tg, w, w_off, w_sn, w_st, has_w, s0, out):
    """Margins of the :class:`~elt_odym.system.variables.Product` variables of one base, one
    ``tg`` and one material selection ``idx``: variable ``p`` is ``base[n, t, g, idx[m]]
    tg[t, g] w_p[n, t, m]`` with ``w_p`` at ``w[w_off[p] + n w_sn[p] + t w_st[p] + m]`` (ones
    where not ``has_w[p]``); into ``out[s0[p] + k T + t, n]``: each type (summed over the
    materials), each material (summed over the types), the total; :data:`BLOCK` draws at a
    time."""
    n, n_t, n_g = base.shape[0], base.shape[1], base.shape[2]
    n_m = idx.shape[0]
    row = np.empty((n_g, n_m))
    u = np.empty(n_m)
    for n0 in range(0, n, BLOCK):
        for t in range(n_t):
            for i in range(n0, min(n0 + BLOCK, n)):
                u[:] = 0.0
                for g in range(n_g):
                    f = tg[t, g]
                    for m in range(n_m):
                        x = base[i, t, g, idx[m]]
                        row[g, m] = x
                        u[m] += x * f
                for p in range(s0.shape[0]):
                    o = w_off[p] + i * w_sn[p] + t * w_st[p]
                    total = 0.0
                    for g in range(n_g):
                        s = 0.0
                        if has_w[p]:
                            for m in range(n_m):
                                s += row[g, m] * w[o + m]
                        else:
                            for m in range(n_m):
                                s += row[g, m]
                        s *= tg[t, g]
                        out[s0[p] + g * n_t + t, i] = s
                        total += s
                    for m in range(n_m):
                        out[s0[p] + (n_g + m) * n_t + t, i] = u[m] * w[o + m] if has_w[p] \
                            else u[m]
                    out[s0[p] + (n_g + n_m) * n_t + t, i] = total


def _write_products(members: list[tuple[Product, int]], out: np.ndarray) -> None:
    """:func:`_product_margins` of products sharing a base, ``tg`` and ``idx``."""
    p0 = members[0][0]
    base = np.ascontiguousarray(p0.base, dtype=float)
    n, n_t, n_g, n_m = base.shape
    idx = np.arange(n_m) if p0.idx is None else np.asarray(p0.idx, dtype=np.int64)
    tg = np.ones((n_t, n_g)) if p0.tg is None else np.ascontiguousarray(p0.tg, dtype=float)
    parts, off, sn, st, has = [], [], [], [], []
    at = 0
    for p, _ in members:
        w = None if p.m is None else np.ascontiguousarray(p.m[..., idx], dtype=float)
        if w is None:
            w = np.ones((1, 1, idx.size))
        has.append(p.m is not None)
        off.append(at)
        sn.append(0 if w.shape[0] == 1 else w.shape[1] * idx.size)
        st.append(0 if w.shape[1] == 1 else idx.size)
        parts.append(w.ravel())
        at += w.size
    _product_margins(base, idx, tg, np.concatenate(parts), np.array(off), np.array(sn),
                     np.array(st), np.array(has), np.array([s for _, s in members]), out)


def _write_margins(results: Results, names: list[str], n_labels: list[int],
                   out: np.ndarray) -> None:
    """The margins of the variables ``names`` (with ``n_labels`` labels each, consecutive
    in ``out``) into ``out (S, N)``."""
    n_t, s = len(results.items["t"]), 0
    groups: dict = {}
    for name, k in zip(names, n_labels):
        value = results.values[name]
        if isinstance(value, Product):
            key = (id(value.base), None if value.tg is None else id(value.tg), value.idx)
            groups.setdefault(key, []).append((value, s))
        else:
            v = np.ascontiguousarray(value, dtype=float)
            second = v.ndim == 4
            _dense_margins(v if second else v[..., None], second, out, s)
        s += k * n_t
    for members in groups.values():
        _write_products(members, out)


def variable_margins(results: Results, name: str, cache: dict | None = None) -> np.ndarray:
    """The margins of one variable ``(N, T, K)`` in the order of :class:`SeriesLayout`
    (``cache`` is accepted for callers that reduce many variables; unused)."""
    k = len(_labels(results, name))
    n_t = len(results.items["t"])
    out = np.empty((k * n_t, results.n))
    _write_margins(results, [name], [k], out)
    return out.reshape(k, n_t, -1).transpose(2, 1, 0)


def margins(results: Results, layout: SeriesLayout) -> np.ndarray:
    """Every series of ``layout`` for the draws of ``results``: ``(S, N)``, series-major,
    written by compiled loops straight from each variable's arrays (a
    :class:`~elt_odym.system.variables.Product` is never formed), a cache line of draws of
    each series at a time."""
    out = np.empty((layout.size, results.n))
    _write_margins(results, layout.variables, [len(k) for k in layout.labels], out)
    return out


def evaluate_chunks(inputs: ModelInputs, draws: Draws, chunk: int, reduce):
    """``reduce(results, start, stop)`` of the model for consecutive chunks of ``draws``."""
    for start in range(0, draws.n, chunk):
        stop = min(start + chunk, draws.n)
        yield reduce(evaluate(inputs, draws.take(slice(start, stop))), start, stop)


def bytes_per_draw(inputs: ModelInputs) -> int:
    """About the memory one draw takes in a chunk (every variable's arrays, float64)."""
    n_t, n_g, n_m = len(inputs.years), len(inputs.products), len(inputs.materials)
    n_c = inputs.fleet.stock.shape[0]
    per = 40 * n_t * n_g + 12 * n_t * n_g * n_m + 30 * n_c * n_g
    if inputs.battery is not None:
        n_p, n_k = len(inputs.battery.powertrains), len(inputs.battery.chemistries)
        per += 12 * n_t * n_g * n_m + 20 * n_t * n_g * n_p * n_k + 30 * n_c * n_g
    return 8 * per
