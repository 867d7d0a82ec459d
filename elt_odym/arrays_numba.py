"""The compiled twin of :func:`elt_odym.arrays.evaluate` for the Monte Carlo: every output of
every draw in one pass, series-major.

:func:`evaluate_series` returns the same numbers as :func:`~elt_odym.arrays.evaluate` with
``materials="metals"`` (the tests hold them to 1e-12), laid out ``(T, K, N)``: each series (one
output, year and label over the draws) contiguous, which is what the moments and the
percentile selection read. The end-of-life trucks come from the fleet kernel
(:func:`~elt_odym.arrays.calc_fleet`); the equations after it are the study's Eqs. 6-9 as in
:func:`~elt_odym.arrays.evaluate` and :mod:`elt_odym.evaluation`, written as one loop over
the draws (SIMD lanes) per year and type.
"""

from __future__ import annotations

import numpy as np

from .arrays import ModelArrays, Draws, calc_fleet
from .fleet.kernel_numba import _jit


@_jit
def _outputs(eol, weight, comp, idx, collection, recovery, value_per_t, energy, carbon,
             mult, out_eol, out_mass, out_mat, out_value, out_energy, out_carbon, out_decr):
    """Fill the ``(T, K, N)`` outputs from ``eol (T, N, G)`` (see :func:`evaluate_series`)."""
    n_t, n, n_g = eol.shape
    n_m = idx.shape[0]
    per_draw = comp.shape[0] > 1
    mass = np.empty((n_m, n))
    for t in range(n_t):
        out_eol[t, n_g] = 0.0
        out_mass[t, n_g] = 0.0
        out_value[t, 0] = 0.0
        out_mat[t] = 0.0
        mass[:] = 0.0
        for g in range(n_g):
            for i in range(n):
                e = eol[t, i, g]
                em = e * weight[i, g]
                out_eol[t, g, i] = e
                out_eol[t, n_g, i] += e
                out_mass[t, g, i] = em
                out_mass[t, n_g, i] += em
                col = em * collection[t, g]
                out_value[t, 0, i] += col * value_per_t[i, g]
                c0 = i if per_draw else 0
                for m in range(n_m):
                    share = comp[c0, g, idx[m]]
                    out_mat[t, m, i] += em * share
                    mass[m, i] += col * share
        _savings(t, mass, recovery, idx, energy, carbon, mult[t], out_energy, out_carbon,
                 out_decr)


@_jit
def _savings(t, mass, recovery, idx, energy, carbon, mult, out_energy, out_carbon, out_decr):
    """Eqs. 8-9 for year ``t`` from the collected metal mass ``(M, N)`` (before recovery)."""
    n_m, n = mass.shape
    out_energy[t, n_m] = 0.0
    out_carbon[t, n_m] = 0.0
    out_decr[t, n_m] = 0.0
    for m in range(n_m):
        rec = recovery[idx[m]]
        for i in range(n):
            v = mass[m, i] * rec
            es = (energy[i, m, 0] - energy[i, m, 1]) * v
            cs = (carbon[i, m, 0] - carbon[i, m, 1]) * v
            ds = (carbon[i, m, 0] * mult - carbon[i, m, 1] * mult) * v
            out_energy[t, m, i] = es
            out_carbon[t, m, i] = cs
            out_decr[t, m, i] = ds
            out_energy[t, n_m, i] += es
            out_carbon[t, n_m, i] += cs
            out_decr[t, n_m, i] += ds


def evaluate_series(base: ModelArrays, d: Draws) -> dict[str, np.ndarray]:
    """Every output of :data:`~elt_odym.arrays.OUTPUTS` for the draws ``d``, each
    ``(T, K, N)`` float64 (``K`` as in :meth:`~elt_odym.arrays.ModelArrays.labels`, metals)."""
    eol = calc_fleet(base, d)  # (T, N, G), draws contiguous from the compiled kernel
    n_t, n, n_g = eol.shape
    idx = np.array([base.materials.index(m) for m in base.metals], dtype=np.intp)
    comp = base.composition[None] if d.composition is None else d.composition
    value_per_t = ((comp * base.recovery) * d.price[:, None, :]).sum(axis=-1)  # (N, G), Eq. 7
    value_per_t = np.ascontiguousarray(np.broadcast_to(value_per_t, (n, n_g)))
    k_m = idx.size + 1
    out = {"eol": np.empty((n_t, n_g + 1, n)), "eol_mass": np.empty((n_t, n_g + 1, n)),
           "eol_material": np.empty((n_t, idx.size, n)), "economic_value": np.empty((n_t, 1, n)),
           "energy_saving": np.empty((n_t, k_m, n)), "carbon_saving": np.empty((n_t, k_m, n)),
           "carbon_saving_decreasing": np.empty((n_t, k_m, n))}
    arrays = [np.ascontiguousarray(a, dtype=float) for a in
              (d.weight, comp, base.collection, base.recovery, d.energy, d.carbon,
               base.multiplier)]
    weight, comp, collection, recovery, energy, carbon, mult = arrays
    _outputs(eol, weight, comp, idx, collection, recovery, value_per_t, energy, carbon, mult,
             *out.values())
    return out
