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


def _key(p: Product) -> tuple:
    """Products of one base and one ``tg`` share their sums over types."""
    return (id(p.base), None if p.tg is None else id(p.tg), p.idx)


def _weights(p: Product) -> np.ndarray | None:
    """``p.m`` over the materials of the product (``None``: ones)."""
    if p.m is None:
        return None
    return p.m if p.idx is None else p.m[..., list(p.idx)]


def _product_margins(p: Product, cache: dict) -> tuple[np.ndarray, np.ndarray]:
    """``(by type (N, T, G), by material (N, T, M))`` of a :class:`Product`."""
    base = p.base if p.idx is None else p.base[..., list(p.idx)]
    n, n_t, n_g, n_m = base.shape
    w = _weights(p)
    key = _key(p)
    if key not in cache:  # sum over types, shared by the variables of one base and tg
        cache[key] = (base.sum(axis=2) if p.tg is None
                      else np.einsum("ntgm,tg->ntm", base, p.tg, optimize=True))
    by_m = cache[key] if w is None else cache[key] * w
    by_g = cache.pop(("by_g", id(p)), None)
    if by_g is None:
        by_g = (base.sum(axis=3) if w is None
                else np.einsum("ntgm,ntm->ntg", base, np.broadcast_to(w, (n, n_t, n_m)),
                               optimize=True))
        if p.tg is not None:
            by_g = by_g * p.tg[None]
    return by_g, by_m


def _stacked_by_type(products: list[Product], cache: dict) -> None:
    """Sums over materials of the products of one base whose weights do not change by year,
    as one batched matrix product ``(N, T G, M) @ (N, M, V)``, into ``cache``."""
    groups: dict = {}
    for p in products:
        w = _weights(p)
        if w is not None and w.shape[1] == 1:
            groups.setdefault((id(p.base), p.idx), []).append((p, w))
    for members in groups.values():
        if len(members) < 2:
            continue
        p0 = members[0][0]
        base = p0.base if p0.idx is None else p0.base[..., list(p0.idx)]
        n, n_t, n_g, n_m = base.shape
        stack = np.stack([np.broadcast_to(w[:, 0], (n, n_m)) for _, w in members], axis=2)
        summed = np.matmul(base.reshape(n, n_t * n_g, n_m), stack).reshape(n, n_t, n_g, -1)
        for v, (p, _) in enumerate(members):
            by_g = summed[..., v]
            cache[("by_g", id(p))] = by_g if p.tg is None else by_g * p.tg[None]


def variable_margins(results: Results, name: str, cache: dict | None = None) -> np.ndarray:
    """The margins of one variable ``(N, T, K)`` in the order of :class:`SeriesLayout`."""
    value, dims = results.values[name], VARIABLES[name].dims
    cache = {} if cache is None else cache
    if isinstance(value, Product):
        by_g, by_m = _product_margins(value, cache)
        parts = [by_g, by_m, by_g.sum(axis=2, keepdims=True)]
    elif len(dims) == 2:
        parts = [value, value.sum(axis=2, keepdims=True)]
    else:
        first, second = value.sum(axis=3), value.sum(axis=2)
        parts = [first, second, first.sum(axis=2, keepdims=True)]
    return np.concatenate(parts, axis=2)


def margins(results: Results, layout: SeriesLayout) -> np.ndarray:
    """Every series of ``layout`` for the draws of ``results``: ``(S, N)``, series-major."""
    cache: dict = {}
    _stacked_by_type([v for v in results.values.values() if isinstance(v, Product)], cache)
    by_draw = np.empty((results.n, layout.size))  # draw-major, then one transpose
    n_t, s = len(layout.years), 0
    for name, labels in zip(layout.variables, layout.labels):
        size = len(labels) * n_t
        values = variable_margins(results, name, cache)  # (N, T, K) -> columns k * T + t
        by_draw[:, s:s + size].reshape(-1, len(labels), n_t)[...] = values.transpose(0, 2, 1)
        s += size
    return np.ascontiguousarray(by_draw.T)


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
