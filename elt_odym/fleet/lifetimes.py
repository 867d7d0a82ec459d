"""Weibull lifetimes (the study's Eqs. 4-5), the two discretisations, and ODYM lifetime dicts.

Discretisation convention (one, used everywhere)
------------------------------------------------
Years are discrete. A cohort enters at the *end* of its production year (flodym
``inflow_at="end"``, which equals ODYM's DynamicStockModel), so a truck has age 0 in the year it
is registered and age ``k = t - c`` in year ``t`` if registered in year ``c``; it cannot leave in
its first year. The survival table ``sf[t, c]`` is the share of cohort ``c`` still in use at the
end of year ``t``; the outflow of cohort ``c`` in year ``t`` is ``sf[t-1, c] - sf[t, c]``.

Two forms of ``sf`` are offered (model option ``lifetime_form``):

``pdf`` (default, the study's Eq. 3)
    ``outflow_t = sum_{k>=1} inflow_{t-k} * phi(k)`` with ``phi`` the Weibull pdf at integer
    ages, i.e. ``sf(k) = 1 - sum_{j=1..k} phi(j)``, floored at 0.
``survival``
    ``sf(k) = exp(-(k/eta)^beta)``, the exact Weibull survival function at integer ages
    (flodym's :class:`~flodym.WeibullLifetime` with ``inflow_at="end"``).

The two differ because ``sum_k phi(k)`` is a midpoint-like rule for the integral of the pdf; the
test suite measures by how much.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

import numpy as np
import scipy.special
import flodym as fd

if TYPE_CHECKING:
    from ..data import ModelData

INFLOW_AT = "end"


def weibull_pdf(k: np.ndarray, shape: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Eq. 4: ``phi(k) = beta/eta (k/eta)^(beta-1) exp(-(k/eta)^beta)`` for ``k >= 0``, else 0."""
    k = np.asarray(k, dtype=float)
    x = np.where(k > 0, k, 1.0) / scale
    out = shape / scale * x ** (shape - 1.0) * np.exp(-(x**shape))
    return np.where(k > 0, out, 0.0)


def weibull_cdf(k: np.ndarray, shape: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Eq. 5: ``1 - exp(-(k/eta)^beta)`` for ``k >= 0``, else 0."""
    k = np.maximum(np.asarray(k, dtype=float), 0.0)
    return 1.0 - np.exp(-((k / scale) ** shape))


def weibull_mean(shape: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Mean lifetime of a Weibull: ``eta * Gamma(1 + 1/beta)``."""
    return np.asarray(scale, float) * scipy.special.gamma(1.0 + 1.0 / np.asarray(shape, float))


def survival_by_age(ages: np.ndarray, shape: np.ndarray, scale: np.ndarray,
                    form: str) -> np.ndarray:
    """Survival at integer ``ages`` (first axis) for parameters broadcasting against ``ages``.

    Parameters
    ----------
    ages : ndarray
        Non-negative integer ages, ascending along axis 0 and starting at 0 (any float within
        1e-9 of an integer is accepted).
    shape, scale : ndarray
        Weibull parameters, broadcastable to ``ages[0]``.
    form : {"pdf", "survival"}
    """
    ages = np.asarray(ages, dtype=float)
    if form == "survival":
        return np.exp(-((np.maximum(ages, 0.0) / scale) ** shape))
    if form != "pdf":
        raise ValueError(f"unknown lifetime form {form!r}")
    idx = np.rint(ages).astype(int)
    if np.any(np.abs(ages - idx) > 1e-9) or np.any(idx < 0):
        raise ValueError("the pdf form needs non-negative integer ages (inflow_at='end')")
    rest = np.broadcast_shapes(ages.shape[1:], np.shape(shape), np.shape(scale))
    k_max = int(idx.max()) if idx.size else 0
    k = np.arange(1, k_max + 1, dtype=float).reshape((-1,) + (1,) * len(rest))
    cum = np.zeros((k_max + 1,) + rest)
    cum[1:] = np.cumsum(weibull_pdf(k, shape, scale), axis=0)
    idx = np.broadcast_to(idx, (idx.shape[0],) + rest)
    return np.maximum(1.0 - np.take_along_axis(cum, idx, axis=0), 0.0)


class WeibullPdfLifetime(fd.LifetimeModel):
    """flodym lifetime model of the study's Eq. 3: survival ``1 - sum_{j<=k} phi(j)``.

    Same parameters as :class:`flodym.WeibullLifetime`; cohort-dependent parameters are arrays
    whose first axis is the cohort year, and ``lt_factor_by_cohort`` scales ``weibull_scale``.
    The convention is set explicitly: ``inflow_at="end"`` (ODYM's DynamicStockModel).
    """

    inflow_at: Literal["start", "middle", "end"] = INFLOW_AT
    weibull_scale: fd.lifetime_models.LifetimeArrayType | None = None
    weibull_shape: fd.lifetime_models.LifetimeArrayType | None = None
    _prm_names: ClassVar[list[str]] = ["weibull_scale", "weibull_shape"]
    _prm_names_to_scale: ClassVar[list[str]] = ["weibull_scale"]

    def _survival_by_cohort(self, ages: np.ndarray, i_c: int | slice) -> np.ndarray:
        scale = self._scaled_prms["weibull_scale"][i_c, ...]
        shape = self._scaled_prms["weibull_shape"][i_c, ...]
        return survival_by_age(ages, shape, scale, "pdf")


class WeibullSurvivalLifetime(fd.WeibullLifetime):
    """flodym's :class:`~flodym.WeibullLifetime` (``sf(k) = exp(-(k/eta)^beta)``) with the
    convention set explicitly: ``inflow_at="end"`` (equal to ODYM's DynamicStockModel)."""

    inflow_at: Literal["start", "middle", "end"] = INFLOW_AT


LIFETIME_MODELS: dict[str, type[fd.LifetimeModel]] = {
    "pdf": WeibullPdfLifetime, "survival": WeibullSurvivalLifetime}
"""The lifetime model class of each ``lifetime_form`` (named in the system's declaration)."""


def lifetime_model_class(form: str) -> type[fd.LifetimeModel]:
    """The flodym lifetime model class of a ``lifetime_form`` (``pdf`` or ``survival``)."""
    if form not in LIFETIME_MODELS:
        raise ValueError(f"unknown lifetime form {form!r}; use one of {list(LIFETIME_MODELS)}")
    return LIFETIME_MODELS[form]


def make_lifetime_model(dims: fd.DimensionSet, shape: np.ndarray, scale: np.ndarray,
                        form: str) -> fd.LifetimeModel:
    """A flodym lifetime model with cohort-dependent Weibull parameters of shape ``dims.shape``."""
    return lifetime_model_class(form)(dims=dims, inflow_at=INFLOW_AT, weibull_shape=shape,
                                      weibull_scale=scale)


# -- ODYM lifetime dicts -------------------------------------------------------------------------

ODYM_TYPES = ("Fixed", "Normal", "FoldedNormal", "LogNormal", "Weibull")


def from_odym_lifetime(lt: dict, dims: fd.DimensionSet) -> fd.LifetimeModel:
    """Map an ODYM lifetime dict to a flodym lifetime model with our convention.

    ``{'Type': 'Weibull', 'Shape': b, 'Scale': e}``, ``{'Type': 'Normal', 'Mean': m,
    'StdDev': s}``, ``FoldedNormal`` and ``LogNormal`` likewise, ``{'Type': 'Fixed', 'Mean': m}``.
    ODYM's DynamicStockModel evaluates survival at integer ages ``t - c`` (inflow at the end of
    the year), which is flodym's ``inflow_at="end"``; that is what is returned.
    """
    kind = lt.get("Type")
    if kind not in ODYM_TYPES:
        raise ValueError(f"ODYM lifetime Type {kind!r} is not one of {ODYM_TYPES}")

    def arr(key: str) -> np.ndarray:
        if key not in lt:
            raise ValueError(f"ODYM lifetime of Type {kind!r} needs key {key!r}")
        return np.broadcast_to(np.asarray(lt[key], dtype=float), dims.shape).copy()

    common = {"dims": dims, "inflow_at": INFLOW_AT}
    if kind == "Weibull":
        return fd.WeibullLifetime(weibull_shape=arr("Shape"), weibull_scale=arr("Scale"), **common)
    if kind == "Fixed":
        return fd.FixedLifetime(mean=arr("Mean"), **common)
    cls = {"Normal": fd.NormalLifetime, "FoldedNormal": fd.FoldedNormalLifetime,
           "LogNormal": fd.LogNormalLifetime}[kind]
    return cls(mean=arr("Mean"), std=arr("StdDev"), **common)


def with_odym_lifetimes(data: "ModelData", lifetimes: dict[str, dict]) -> "ModelData":
    """Use ODYM lifetime dicts (one per product type) as the model's Weibull lifetimes.

    Parameters
    ----------
    data : ModelData
    lifetimes : dict
        ``{"HT": {"Type": "Weibull", "Shape": 5.0, "Scale": 18.2}, ...}``; types not named keep
        their workbook values. The model's lifetime is the study's Weibull (Eqs. 4-5), so only
        ``Type: Weibull`` is accepted here; :func:`from_odym_lifetime` maps every ODYM type to a
        flodym lifetime model for stock models of your own.

    Returns
    -------
    ModelData
        A copy with ``weibull_shape`` and ``weibull_scale`` replaced (same convention,
        ``inflow_at="end"``).
    """
    from ..data import with_values

    products = data.items["g"]
    shape = np.array(data["weibull_shape"].values, float)
    scale = np.array(data["weibull_scale"].values, float)
    for product, lt in lifetimes.items():
        if product not in products:
            raise ValueError(f"{product!r} is not a product type {products}")
        if lt.get("Type") != "Weibull":
            raise ValueError(f"{product}: the model's lifetime is Weibull; got Type "
                             f"{lt.get('Type')!r} (use from_odym_lifetime for other models)")
        shape[products.index(product)] = float(lt["Shape"])
        scale[products.index(product)] = float(lt["Scale"])
    return with_values(data, {"weibull_shape": shape, "weibull_scale": scale})


def scipy_weibull(shape: float, scale: float) -> "scipy.stats.rv_continuous":
    """The frozen scipy distribution of the same Weibull (for cross-checks)."""
    import scipy.stats

    return scipy.stats.weibull_min(c=shape, scale=scale)
