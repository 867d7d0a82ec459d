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

import flodym as fd
import numpy as np
import scipy.special

from .kernel import survival_curves

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
    """Survival at integer ``ages`` (first axis) for parameters broadcasting against ``ages``:
    the fleet kernel's own curves (:func:`elt_odym.fleet.kernel.survival_curves`).

    Parameters
    ----------
    ages : ndarray
        Non-negative integer ages along axis 0 (any float within 1e-9 of an integer is
        accepted; ``inflow_at="end"``).
    shape, scale : ndarray
        Weibull parameters, broadcastable to ``ages[0]``.
    form : {"pdf", "survival"}
    """
    ages = np.asarray(ages, dtype=float)
    idx = np.rint(ages).astype(int)
    if np.any(np.abs(ages - idx) > 1e-9) or np.any(idx < 0):
        raise ValueError("survival is given at non-negative integer ages (inflow_at='end')")
    rest = np.broadcast_shapes(ages.shape[1:], np.shape(shape), np.shape(scale))
    shp = np.broadcast_to(np.asarray(shape, float), rest).ravel()
    scl = np.broadcast_to(np.asarray(scale, float), rest).ravel()
    n_ages = int(idx.max()) + 1 if idx.size else 1
    curves = survival_curves(shp, scl, n_ages, form).reshape((n_ages,) + rest)
    idx = np.broadcast_to(idx.reshape(idx.shape + (1,) * (len(rest) - idx.ndim + 1)),
                          (idx.shape[0],) + rest)
    return np.take_along_axis(curves, idx, axis=0)


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
ODYM_EQUIVALENT_FORM = "survival"
"""The ``lifetime_form`` whose survival table equals ODYM's ``DynamicStockModel.compute_sf``:
``sf[t, c] = S(t - c)`` with ``S`` the exact survival function at integer ages. The study's
default ``pdf`` form sums the pdf at integer ages instead and runs about half a year ahead."""


def odym_lognormal_std(mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    """flodym's ``std`` of the lognormal that ODYM builds from ``Mean`` and ``StdDev``.

    ODYM's DynamicStockModel converts with ``sigma^2 = ln(1 + Mean^2/StdDev^2)`` and
    ``mu = ln(Mean / sqrt(1 + Mean^2/StdDev^2))``; the textbook conversion (flodym's
    :class:`~flodym.LogNormalLifetime`) has ``StdDev^2/Mean^2`` there. ODYM's curve therefore has
    mean ``Mean`` and standard deviation ``Mean^2/StdDev``: ODYM's ``{'Mean': 12, 'StdDev': 4}``
    is flodym's ``LogNormalLifetime(mean=12, std=36)``.
    """
    mean, std = np.asarray(mean, float), np.asarray(std, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return mean * mean / std


def _zero_means_none(sf: np.ndarray, prm: np.ndarray) -> np.ndarray:
    """ODYM: a cohort whose Mean (Weibull: Shape) is 0 leaves in its own year (sf = 0)."""
    return np.where(prm != 0, np.nan_to_num(sf), 0.0)


class OdymNormalLifetime(fd.NormalLifetime):
    """ODYM's Normal: flodym's, except that a cohort with ``Mean`` 0 has ``sf = 0``."""

    def _survival_by_cohort(self, ages: np.ndarray, i_c: int | slice) -> np.ndarray:
        with np.errstate(all="ignore"):
            sf = super()._survival_by_cohort(ages, i_c)
        return _zero_means_none(sf, self._scaled_prms["mean"][i_c, ...])


class OdymFoldedNormalLifetime(fd.FoldedNormalLifetime):
    """ODYM's FoldedNormal (parameters of the normal before folding); ``Mean`` 0: ``sf = 0``."""

    def _survival_by_cohort(self, ages: np.ndarray, i_c: int | slice) -> np.ndarray:
        with np.errstate(all="ignore"):
            sf = super()._survival_by_cohort(ages, i_c)
        return _zero_means_none(sf, self._scaled_prms["mean"][i_c, ...])


class OdymLogNormalLifetime(fd.lifetime_models.StandardDeviationLifetimeModel):
    """ODYM's LogNormal with ODYM's conversion of ``Mean`` and ``StdDev`` (see
    :func:`odym_lognormal_std`); ``Mean`` 0: ``sf = 0``."""

    def _survival_by_cohort(self, ages: np.ndarray, i_c: int | slice) -> np.ndarray:
        mean, std = self._scaled_prms["mean"][i_c, ...], self._scaled_prms["std"][i_c, ...]
        with np.errstate(all="ignore"):
            ratio = 1 + mean * mean / (std * std)
            sf = scipy.stats.lognorm.sf(ages, s=np.sqrt(np.log(ratio)), loc=0,
                                        scale=np.exp(np.log(mean / np.sqrt(ratio))))
        return _zero_means_none(sf, mean)


class OdymWeibullLifetime(fd.WeibullLifetime):
    """ODYM's Weibull: flodym's, except that a cohort with ``Shape`` 0 has ``sf = 0``."""

    def _survival_by_cohort(self, ages: np.ndarray, i_c: int | slice) -> np.ndarray:
        with np.errstate(all="ignore"):
            sf = super()._survival_by_cohort(ages, i_c)
        return _zero_means_none(sf, self._scaled_prms["weibull_shape"][i_c, ...])


def _odym_array(lt: dict, key: str, kind: str, dims: fd.DimensionSet) -> np.ndarray:
    """An ODYM lifetime parameter on ``dims`` (time first).

    ODYM indexes lifetime arrays by cohort (``lt['Mean'][c]``): a 1-d array as long as the time
    dimension is per cohort and is spread over the other dimensions. Anything else broadcasts
    in numpy's way (a scalar, an array over the other dimensions, the full shape).
    """
    if key not in lt:
        raise ValueError(f"ODYM lifetime of Type {kind!r} needs key {key!r}")
    value = np.asarray(lt[key], dtype=float)
    if value.ndim == 1 and len(dims.shape) > 1 and value.shape[0] == dims.shape[0]:
        value = value.reshape((-1,) + (1,) * (len(dims.shape) - 1))
    try:
        return np.broadcast_to(value, dims.shape).copy()
    except ValueError:
        raise ValueError(f"ODYM lifetime {key!r} of shape {value.shape} fits neither the cohorts "
                         f"({dims.shape[0]},) nor the model shape {dims.shape}") from None


def from_odym_lifetime(lt: dict, dims: fd.DimensionSet) -> fd.LifetimeModel:
    """Map an ODYM lifetime dict to a flodym lifetime model that gives ODYM's survival table.

    ``{'Type': 'Weibull', 'Shape': b, 'Scale': e}``, ``{'Type': 'Normal', 'Mean': m,
    'StdDev': s}``, ``FoldedNormal`` and ``LogNormal`` likewise, ``{'Type': 'Fixed', 'Mean': m}``,
    each value a scalar, a per-cohort array (ODYM's convention) or an array of the model shape.
    ODYM's DynamicStockModel evaluates survival at integer ages ``t - c`` (inflow at the end of
    the year), which is flodym's ``inflow_at="end"``. ODYM's conventions kept: LogNormal's
    conversion (:func:`odym_lognormal_std`), ``sf = 0`` for a cohort with ``Mean`` 0 (Weibull:
    ``Shape`` 0), Normal not truncated at age 0.
    """
    kind = lt.get("Type")
    if kind not in ODYM_TYPES:
        raise ValueError(f"ODYM lifetime Type {kind!r} is not one of {ODYM_TYPES}")

    def arr(key: str) -> np.ndarray:
        return _odym_array(lt, key, kind, dims)

    common = {"dims": dims, "inflow_at": INFLOW_AT}
    if kind == "Weibull":
        return OdymWeibullLifetime(weibull_shape=arr("Shape"), weibull_scale=arr("Scale"),
                                   **common)
    if kind == "Fixed":
        return fd.FixedLifetime(mean=arr("Mean"), **common)
    cls = {"Normal": OdymNormalLifetime, "FoldedNormal": OdymFoldedNormalLifetime,
           "LogNormal": OdymLogNormalLifetime}[kind]
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
