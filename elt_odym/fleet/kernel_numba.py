"""The compiled twin of :mod:`elt_odym.fleet.kernel`: Weibull survival fused with the solve.

The numpy solver (:func:`elt_odym.fleet.kernel.solve_batch` fed by
:func:`~elt_odym.fleet.kernel.cohort_survival_batch`) builds every cohort's survival curve for
every draw before it solves. This kernel never stores a curve: it walks the cohorts in order
and pushes each cohort's survivors into the years ahead, so memory is ``O(T x draws)`` (no
``years x years`` array per draw), and each survival value is computed once, used once, while
it is in a register. Draws are the inner loop (SIMD lanes).

Maths (per type ``g`` and draw ``n``; ``a`` the age; ``beta_c = shape_c[c] * v_n`` and
``eta_c = scale_c[c] * u_n`` with the draw's shape and scale multipliers ``v`` and ``u``)::

    x_c(a)   = (a / eta_c)^beta_c
    s_c(a)   = exp(-x_c(a))                                       (survival form)
    s_c(a)   = max(0, 1 - sum_{k=1..a} beta_c / k * x_c(k) exp(-x_c(k)))   (pdf form, Eq. 4)
    ahead[t] = sum_{c<t} w_c s_c(t - c)                           (survivors of year t so far)
    inflow_t = S_t - ahead[t];  w_t = inflow_t;  ahead[t + a] += w_t s_t(a)

with ``s_c(0) = 1``. Early retirement under the ``retire`` policy scales every existing
cohort by ``1 - frac``: here ``ahead[t:] *= 1 - frac``, the same thing. When the shape is not
drawn, ``x_c(a) = (a / scale_c)^shape_c * u^-shape_c``: the power is taken once per cohort and
age (shared by all draws) and only multiplied per draw, one exponential per element. When the
lifetime does not depend on the cohort, one curve per draw serves every cohort.

The kernel releases the GIL (``nogil``) so that chunks run side by side on threads; it is
compiled on first use and cached on disk (``cache=True``), so a later process does not pay the
compilation again. :func:`solve_fused` returns the same :class:`~elt_odym.fleet.kernel.BatchResult`
as the numpy path; the tests hold the two to 1e-12.
"""

from __future__ import annotations

import math

import numpy as np

from .kernel import POLICIES, BatchResult, _raise_negative

try:  # numba is an install dependency; the numpy path remains if it cannot be imported
    import numba
except ImportError:  # pragma: no cover - exercised only without numba
    numba = None

AVAILABLE = numba is not None
_RETIRE = 1


def _jit(func):
    """Compile ``func`` with numba (GIL released, cached on disk) if numba is there."""
    if numba is None:  # pragma: no cover
        return func
    return numba.njit(nogil=True, cache=True, error_model="numpy", fastmath={"contract"})(func)


LOG2E = 1.4426950408889634
LN2_HI = 0.6931471803691238  # ln 2 split so that k * LN2_HI is exact for |k| < 2^21
LN2_LO = 1.9082149292705877e-10
EXP_MIN, EXP_MAX = -708.0, 709.0


@_jit
def _vexp(y, bits):
    """``y[j] = exp(y[j])`` in place, written so the compiler vectorises it (SIMD over ``j``).

    Cody-Waite reduction ``y = k ln 2 + r``, ``|r| <= ln 2 / 2``, a degree-13 Taylor
    polynomial for ``exp(r)`` (truncation below 5e-18 relative) and ``2^k`` built in the
    exponent bits; ``bits`` is an int64 scratch array of the same length. Inputs are clamped
    to ``[-708, 709]`` (below, the result is ``exp(-708) = 3e-308`` instead of a subnormal).
    """
    scale = bits.view(np.float64)
    for j in range(y.shape[0]):
        v = min(max(y[j], EXP_MIN), EXP_MAX)
        k = math.floor(v * LOG2E + 0.5)
        r = (v - k * LN2_HI) - k * LN2_LO
        p = 1.0 / 6227020800.0
        p = p * r + 1.0 / 479001600.0
        p = p * r + 1.0 / 39916800.0
        p = p * r + 1.0 / 3628800.0
        p = p * r + 1.0 / 362880.0
        p = p * r + 1.0 / 40320.0
        p = p * r + 1.0 / 5040.0
        p = p * r + 1.0 / 720.0
        p = p * r + 1.0 / 120.0
        p = p * r + 1.0 / 24.0
        p = p * r + 1.0 / 6.0
        p = p * r + 0.5
        p = p * r + 1.0
        y[j] = p * r + 1.0
        bits[j] = (np.int64(k) + 1023) << 52
    for j in range(y.shape[0]):
        y[j] *= scale[j]


@_jit
def _lane_params(shape_c, scale_c, shape_mult, scale_mult, g, c, n0, b, beta, log_eta, u):
    """Per draw of the block: ``beta``, ``ln eta`` and ``u^-beta_c`` of cohort ``c``."""
    for j in range(b):
        beta[j] = shape_c[c, g] * shape_mult[n0 + j, g]
        log_eta[j] = math.log(scale_c[c, g] * scale_mult[n0 + j, g])
        u[j] = scale_mult[n0 + j, g] ** -shape_c[c, g]


@_jit
def _curve(base_x, g, c, ages, beta, log_eta, u, drawn, pdf, log_a, out, w, push, scratch,
           bits):
    """Survival of cohort ``c`` at ages ``1..ages-1`` per draw: stored in ``out[a]``, or,
    if ``push``, added times the cohort's entry ``w`` to the years ahead ``out[c + a]``."""
    b = beta.shape[0]
    x, e, cum = scratch[0], scratch[1], scratch[2]
    cum[:] = 0.0
    for a in range(1, ages):
        if drawn:
            for j in range(b):
                x[j] = beta[j] * (log_a[a] - log_eta[j])
            _vexp(x, bits)
        else:
            bx = base_x[c, a, g]
            for j in range(b):
                x[j] = bx * u[j]
        for j in range(b):
            e[j] = -x[j]
        _vexp(e, bits)
        if pdf:
            inv_a = 1.0 / a
            for j in range(b):
                cum[j] += beta[j] * inv_a * x[j] * e[j]
                e[j] = max(1.0 - cum[j], 0.0)
        if push:
            dst = out[c + a]
            for j in range(b):
                dst[j] += w[j] * e[j]
        else:
            out[a, :] = e


@_jit
def _solve_block(stock_base, stock_mult, shape_c, scale_c, shape_mult, scale_mult, base_x,
                 g, n0, b, drawn, constant, pdf, policy, tolerance,
                 inflow, outflow, early, negative):
    """Solve draws ``n0 .. n0+b-1`` of type ``g`` (see the module docstring)."""
    n_t = stock_base.shape[0]
    ahead = np.zeros((n_t, b))
    curve = np.empty((n_t, b))
    scratch = np.empty((3, b))
    bits = np.empty(b, dtype=np.int64)
    beta, log_eta, u, w = np.empty(b), np.empty(b), np.empty(b), np.empty(b)
    log_a = np.log(np.maximum(np.arange(n_t), 1.0))
    scale = np.ones(b)
    for t in range(n_t):
        for j in range(b):
            scale[j] = max(scale[j], abs(stock_base[t, g] * stock_mult[n0 + j, g]))
    for t in range(n_t):
        for j in range(b):
            n = n0 + j
            st = stock_base[t, g] * stock_mult[n, g]
            prev = stock_base[t - 1, g] * stock_mult[n, g] if t > 0 else 0.0
            survivors = ahead[t, j]
            need = st - survivors
            if need < -tolerance * scale[j]:
                negative[g, t, n] = -need
                if policy == _RETIRE:
                    keep = 1.0 - (survivors - st) / survivors
                    for k in range(t + 1, n_t):
                        ahead[k, j] *= keep
                    early[g, t, n] = survivors - st
                    need = 0.0
            inflow[g, t, n] = need
            outflow[g, t, n] = need - (st - prev)
            w[j] = need
        if t == 0 or not constant:
            _lane_params(shape_c, scale_c, shape_mult, scale_mult, g, t, n0, b, beta,
                         log_eta, u)
        if not constant:  # this cohort's curve, pushed ahead as it is computed
            _curve(base_x, g, t, n_t - t, beta, log_eta, u, drawn, pdf, log_a, ahead, w,
                   True, scratch, bits)
            continue
        if t == 0:  # one curve for every cohort
            _curve(base_x, g, 0, n_t, beta, log_eta, u, drawn, pdf, log_a, curve, w, False,
                   scratch, bits)
        for a in range(1, n_t - t):
            row, dst = curve[a], ahead[t + a]
            for j in range(b):
                dst[j] += w[j] * row[j]


@_jit
def _solve_range(stock_base, stock_mult, shape_c, scale_c, shape_mult, scale_mult, base_x,
                 drawn, constant, pdf, policy, tolerance, block, inflow, outflow, early,
                 negative):
    """Every type and every block of ``block`` draws, one after the other."""
    n = stock_mult.shape[0]
    for g in range(stock_base.shape[1]):
        for n0 in range(0, n, block):
            _solve_block(stock_base, stock_mult, shape_c, scale_c, shape_mult, scale_mult,
                         base_x, g, n0, min(block, n - n0), drawn, constant, pdf, policy,
                         tolerance, inflow, outflow, early, negative)


def base_powers(shape_c: np.ndarray, scale_c: np.ndarray) -> np.ndarray:
    """``(a / scale_c)^shape_c`` for ages ``a = 0..T-1`` per cohort ``(C, T, G)`` (shared by
    all draws; ``C x T x G`` doubles, independent of the number of draws)."""
    n_t = shape_c.shape[0]
    log_a = np.log(np.maximum(np.arange(n_t, dtype=float), 1.0))
    out = np.exp(shape_c[:, None] * (log_a[None, :, None] - np.log(scale_c)[:, None]))
    out[:, 0] = 0.0
    return out


def solve_fused(stock_base: np.ndarray, stock_mult: np.ndarray, shape_c: np.ndarray,
                scale_c: np.ndarray, scale_mult: np.ndarray, shape_mult: np.ndarray,
                form: str, policy: str, tolerance: float = 1e-9, block: int = 128,
                names: list[str] | None = None, years: list[int] | None = None
                ) -> BatchResult:
    """Weibull survival and the stock-driven solve in one compiled pass.

    Parameters
    ----------
    stock_base : ndarray (T, G)
        Stock path per type; draw ``n`` solves ``stock_base * stock_mult[n]``.
    stock_mult, scale_mult, shape_mult : ndarray (N, G)
        Per-draw multipliers of the stock, the Weibull scale and the Weibull shape.
    shape_c, scale_c : ndarray (T, G)
        Weibull shape and scale of each cohort (history years first), shared by the draws.
    form : {"pdf", "survival"}
        Lifetime discretisation (see :func:`~elt_odym.fleet.kernel.survival_by_age_batch`).
    policy : {"error", "retire", "allow"}
        Negative-inflow policy (see :mod:`elt_odym.fleet.kernel`).
    tolerance : float
        A required inflow counts as negative below ``-tolerance * max|S|`` of its draw and type.
    block : int
        Draws solved together (the SIMD lanes); memory ``2 x T x block`` doubles.
    names, years : list, optional
        For the message of :class:`~elt_odym.errors.NegativeInflowError`.

    Returns
    -------
    BatchResult
        Inflow, outflow, early retirement and negative deficits, each ``(T, N, G)`` (views of
        ``(G, T, N)`` arrays: the kernel writes each draw block contiguously).
    """
    if policy not in POLICIES:
        raise ValueError(f"negative_inflow policy must be one of {POLICIES}, not {policy!r}")
    if form not in ("pdf", "survival"):
        raise ValueError(f"unknown lifetime form {form!r}")
    arrays = [np.ascontiguousarray(a, dtype=float) for a in
              (stock_base, stock_mult, shape_c, scale_c, shape_mult, scale_mult)]
    stock_base, stock_mult, shape_c, scale_c, shape_mult, scale_mult = arrays
    shape = (stock_base.shape[1], stock_base.shape[0], stock_mult.shape[0])  # (G, T, N)
    inflow, outflow, early, negative = (np.zeros(shape) for _ in range(4))
    drawn = bool(np.any(shape_mult != 1.0))
    constant = bool(np.all(shape_c == shape_c[:1]) and np.all(scale_c == scale_c[:1]))
    _solve_range(stock_base, stock_mult, shape_c, scale_c, shape_mult, scale_mult,
                 base_powers(shape_c, scale_c), drawn, constant, form == "pdf",
                 POLICIES.index(policy), float(tolerance), int(block), inflow, outflow, early,
                 negative)
    inflow, outflow, early, negative = (a.transpose(1, 2, 0) for a in
                                        (inflow, outflow, early, negative))  # (T, N, G) views
    if policy == "error" and np.any(negative > 0):
        t = int(np.argmax(np.any(negative > 0, axis=(1, 2))))
        _raise_negative(negative[t], names, years, t)
    return BatchResult(inflow, outflow, early, negative, policy)
