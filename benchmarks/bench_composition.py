"""Benchmark: the composition model (issue 21), its dense product and per-draw vectors.

Prints the time of ``calc_cohort_composition`` (best_estimate, cohorts 1990-2050), of the dense
product against the low-rank form contracted with a cohort stock, and of
``calc_draw_vectors`` for 2,000 draws. Not a test; run with
``python benchmarks/bench_composition.py``.
"""

from __future__ import annotations

import time

import numpy as np

from elt_odym.data import load_data
from elt_odym.system.composition import (
    calc_cohort_composition,
    calc_draw_vectors,
    calc_unit_material,
    nonzero_pairs,
)


def best_of(func, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        func()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    data = load_data(scenario="best_estimate")
    cohorts = list(range(1990, 2051))
    comp = calc_cohort_composition(data, cohorts)
    f, c, g, p = comp.profiles.shape
    print(f"factors {f}, cohorts {c}, uncertain quantities {len(comp.uncertain)}, "
          f"non-zero (factor, powertrain) pairs {len(nonzero_pairs(comp))}")
    t = best_of(lambda: calc_cohort_composition(data, cohorts))
    print(f"calc_cohort_composition: {t:.4f} s")
    stock = np.random.default_rng(1).random((61, c, g, p))        # (year, cohort, type, pt)
    dense = calc_unit_material(comp)
    t_dense = best_of(lambda: np.einsum("tcgp,cgpm->tgpm", stock, dense))
    t_low = best_of(lambda: np.einsum("fgpm,tfgp->tgpm", comp.vectors,
                                      np.einsum("tcgp,fcgp->tfgp", stock, comp.profiles)))
    print(f"stock x material, dense (C,G,P,M): {t_dense * 1e3:.2f} ms; low rank: "
          f"{t_low * 1e3:.2f} ms; ratio {t_dense / t_low:.1f}")
    u = np.random.default_rng(2).random((2000, len(comp.uncertain)))
    print(f"calc_draw_vectors, 2,000 draws: {best_of(lambda: calc_draw_vectors(comp, u)):.3f} s")


if __name__ == "__main__":
    main()
