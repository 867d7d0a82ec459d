"""The compiled twin of :func:`elt_odym.batch.evaluate` for the Monte Carlo: every output of
every draw in one pass, series-major.

:func:`evaluate_series` returns the same numbers as :func:`~elt_odym.batch.evaluate` with
``materials="metals"`` (the tests hold them to 1e-12), laid out ``(T, K, N)``: each series (one
output, year and label over the draws) contiguous, which is what the moments and the
percentile selection read. The end-of-life trucks come from the fleet kernel
(:func:`~elt_odym.batch.calc_fleet`); the equations after it are the study's Eqs. 6-9 as in
:func:`~elt_odym.batch.evaluate` and :mod:`elt_odym.system.equations`, written as one loop over
the draws (SIMD lanes) per year and type.
"""

from __future__ import annotations

import numpy as np

from .batch import Draws, ModelArrays, calc_fleet
from .fleet.kernel_numba import _jit


@_jit
def _outputs(eol, weight, comp, collection, value_per_t, recovery, idx, energy, carbon,
             mult, out_eol, out_mass, out_mat, out_value, out_energy, out_carbon, out_decr):
    """Fill the ``(T, K, N)`` outputs from ``eol (T, N, G)``; ``weight``, ``value_per_t``
    ``(G, N)``, the metal shares ``comp (G, M, N or 1)`` (see :func:`evaluate_series`)."""
    n_t, n, n_g = eol.shape
    n_m = comp.shape[1]
    per_draw = comp.shape[2] > 1
    mass = np.empty((n_m, n))
    em, col = np.empty(n), np.empty(n)
    for t in range(n_t):
        out_eol[t, n_g] = 0.0
        out_mass[t, n_g] = 0.0
        out_value[t, 0] = 0.0
        out_mat[t] = 0.0
        mass[:] = 0.0
        for g in range(n_g):
            rate = collection[t, g]
            for i in range(n):  # SIMD over draws
                e = eol[t, i, g]
                em[i] = e * weight[g, i]
                out_eol[t, g, i] = e
                out_eol[t, n_g, i] += e
                out_mass[t, g, i] = em[i]
                out_mass[t, n_g, i] += em[i]
                col[i] = em[i] * rate
                out_value[t, 0, i] += col[i] * value_per_t[g, i]
            for m in range(n_m):
                row, acc = out_mat[t, m], mass[m]
                if per_draw:
                    share = comp[g, m]
                    for i in range(n):
                        row[i] += em[i] * share[i]
                        acc[i] += col[i] * share[i]
                else:
                    c = comp[g, m, 0]
                    for i in range(n):
                        row[i] += em[i] * c
                        acc[i] += col[i] * c
        _savings(t, mass, recovery, idx, energy, carbon, mult[t, 0], mult[t, 1], out_energy,
                 out_carbon, out_decr)


@_jit
def _savings(t, mass, recovery, idx, energy, carbon, mult_p, mult_s, out_energy, out_carbon,
             out_decr):
    """Eqs. 8-9 for year ``t`` from the collected metal mass ``(M, N)`` (before recovery);
    ``mult_p`` and ``mult_s`` scale the primary and secondary carbon factors (decreasing)."""
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
            ds = (carbon[i, m, 0] * mult_p - carbon[i, m, 1] * mult_s) * v
            out_energy[t, m, i] = es
            out_carbon[t, m, i] = cs
            out_decr[t, m, i] = ds
            out_energy[t, n_m, i] += es
            out_carbon[t, n_m, i] += cs
            out_decr[t, n_m, i] += ds


def evaluate_series(base: ModelArrays, d: Draws) -> dict[str, np.ndarray]:
    """Every output of :data:`~elt_odym.batch.OUTPUTS` for the draws ``d``, each
    ``(T, K, N)`` float64 (``K`` as in :meth:`~elt_odym.batch.ModelArrays.labels`, metals)."""
    eol = calc_fleet(base, d)  # (T, N, G), draws contiguous from the compiled kernel
    n_t, n, n_g = eol.shape
    idx = np.array([base.materials.index(m) for m in base.metals], dtype=np.intp)
    comp = base.composition[None] if d.composition is None else d.composition
    value_per_t = ((comp * base.recovery) * d.price[:, None, :]).sum(axis=-1)  # (N, G), Eq. 7
    value_per_t = np.broadcast_to(value_per_t, (n, n_g))
    k_m = idx.size + 1
    out = {"eol": np.empty((n_t, n_g + 1, n)), "eol_mass": np.empty((n_t, n_g + 1, n)),
           "eol_material": np.empty((n_t, idx.size, n)), "economic_value": np.empty((n_t, 1, n)),
           "energy_saving": np.empty((n_t, k_m, n)), "carbon_saving": np.empty((n_t, k_m, n)),
           "carbon_saving_decreasing": np.empty((n_t, k_m, n))}
    metals = np.ascontiguousarray(np.moveaxis(comp[..., idx], 0, -1), dtype=float)  # G, M, N
    arrays = [np.ascontiguousarray(a, dtype=float) for a in
              (d.weight.T, base.collection, value_per_t.T, base.recovery, d.energy, d.carbon,
               np.reshape(base.multiplier, (n_t, -1)) * np.ones((1, 2)))]
    weight, collection, value_per_t, recovery, energy, carbon, mult = arrays
    _outputs(eol, weight, metals, collection, value_per_t, recovery, idx, energy, carbon, mult,
             *out.values())
    return out
