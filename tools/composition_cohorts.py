"""The cohort part of the composition data (issue 21): PGM loadings by emission stage, the
emission stage of each cohort, lightweighting. Called by ``tools/bootstrap_composition.py``
(its module docstring and ``REFS`` give the sources); not run on its own.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bootstrap_composition import (
    EXCLUDED,
    G_PER_KG,
    KG,
    MATERIAL_OF,
    PGM,
    POWERTRAINS,
    STAGES,
    TYPE_GVW,
    TYPES,
    _workbook,
    ct_value,
    mapping_note,
    ranged,
    size_weights,
    tag,
)

# -- PGM loadings and emission standards ---------------------------------------------------------

PGM_RANGE = {"diesel": (0.3, 2.0), "PHEV": (0.3, 2.0), "natural_gas": (0.3, 3.0)}
"""Relative range of all loadings of a fuel (one draw per fuel and metal): no per-truck PGM
figure by Chinese emission stage was found (a gap, see docs/composition.md), so wide (L)."""
NG_VI = {"Pd": 20.0, "Rh": 3.0}
"""g per heavy natural-gas truck under China VI (stoichiometric engine + three-way catalyst):
no figure found; ~5 x a car's 4-5 g (JM_LD) for a 10-13 l engine, Pd-Rh as CNG three-way
catalysts (assumption, L); other types scale with their exhaust mass."""


def pgm_rows(root: Path, ext: dict) -> list[tuple]:
    """g per vehicle of Pt, Pd, Rh by stage, type and combustion powertrain."""
    uw = _workbook(root, "unit_weight")
    comp = _workbook(root, "material_composition")
    pt_per_kg = ext["datasets"]["exhaust system, for lorry"]["market for platinum|GLO|kilogram"]
    rows = []
    for g in TYPES:
        ref = {m: uw[(g,)][0] * comp[(g, m)][0] * 1e6 for m in PGM}
        exhaust = {p: ct_value(ext, g, p, "exhaust system mass") for p in POWERTRAINS}
        for p in ("diesel", "natural_gas", "PHEV"):
            scale = exhaust[p] / exhaust["diesel"]
            lo, hi = PGM_RANGE[p]
            for e in STAGES:
                for m in PGM:
                    v, ref_id, conf = ref[m] * scale, "STUDY", "L"
                    note = (f"the study's {ref[m]:.3g} g per {g} truck (unit_weight x "
                            "material_composition) taken as the loading of the cohorts of its "
                            "2010 end-of-life trucks (built before China III) and kept where "
                            "no figure says otherwise")
                    if e in ("China_III", "China_IV", "China_V") and p == "natural_gas":
                        note += "; natural-gas engines before China VI: no figure found"
                    elif e in ("China_III", "China_IV", "China_V"):
                        note += "; China III-V diesel after-treatment is SCR (vanadium, no PGM) "\
                                "or none (ICCT_AT): no rise assumed"
                    if e == "China_VI" and p != "natural_gas" and m == "Pt":
                        v, ref_id = exhaust[p] * pt_per_kg * G_PER_KG, "CT"
                        note = (f"{exhaust[p]:.0f} kg exhaust system x "
                                f"{pt_per_kg * 1e3:g} g Pt/kg (carculator Euro VI, "
                                "DOC+DPF+SCR+ASC as China VI, ICCT_AT): adjusted to China")
                    if e == "China_VI" and p == "natural_gas" and m in NG_VI:
                        v = NG_VI[m] * exhaust[p] / ct_value(ext, "HT", p, "exhaust system mass")
                        ref_id = "ASSUME_COMP"
                        note = (f"China VI natural gas, three-way catalyst: {NG_VI[m]:g} g per "
                                "heavy truck assumed (~5 x a car's 4-5 g PGM, JM_LD), scaled "
                                "by exhaust mass")
                    if p != "diesel":
                        note += f"; x {scale:.3f} exhaust mass relative to diesel"
                    v = round(v, 9)
                    rows.append((e, g, p, m, v, ranged(v, lo, hi),
                                 tag(ref_id, conf, f"{note}; range {lo:g}-{hi:g} x")))
    return rows


HEAVY = [(2001, 9), (2004, 1), (2008, 1), (2015, 1), (2017, 7), (2021, 7)]
HEAVY_GAS_VI = (2019, 7)
LIGHT = [(2001, 1), (2004, 7), (2007, 7), (2013, 7), (2018, 1), (2021, 1)]
"""Nationwide dates (year, month) from which all new registrations meet China I ... VI:
heavy-duty (GB 17691, DIESELNET_HD, ICCT_VI; natural-gas HDVs China VI from 2019.07) for HT and
MT; light-duty (GB 18352: MEP2017, LD_DATES) for ST and NT (most of them <= 3.5 t)."""


def after(year: int, date: tuple[int, int]) -> float:
    """Share of year ``year``'s registrations on or after ``date`` (registrations even over
    the months)."""
    start = date[0] + (date[1] - 1) / 12
    return float(np.clip(year + 1 - start, 0.0, 1.0))


def standard_rows(years: list[int]) -> list[tuple]:
    rows = []
    for y in years:
        for g in TYPES:
            for p in POWERTRAINS:
                dates = list(HEAVY if g in ("HT", "MT") else LIGHT)
                if g in ("HT", "MT") and p == "natural_gas":
                    dates[-1] = HEAVY_GAS_VI
                cum = [1.0] + [after(y, d) for d in dates] + [0.0]
                ref = ("DIESELNET_HD", "M") if g in ("HT", "MT") else ("LD_DATES", "L")
                for i, e in enumerate(STAGES):
                    share = round(cum[i] - cum[i + 1], 12)
                    rows.append((y, g, p, e, share, "", tag(*ref, f"{e} from "
                                 f"{dates[i - 1][0]}.{dates[i - 1][1]:02d}" if i else
                                 "before China I")))
    return rows


# -- lightweighting ------------------------------------------------------------------------------

LW_RANGE = (0.0, 1.5)
"""Relative range of the lightweighting path: carculator's EU path (Hill et al.) applied to
Chinese trucks, for which no lightweighting figure was found (docs/composition.md): 0 (none) to
1.5 x (L)."""


def lightweighting_rows(ext: dict, years: list[int]) -> list[tuple]:
    anchors = [int(y) for y in ext["masses"]["years"]]
    rows = []
    for g in TYPES:
        base = ct_value(ext, g, "diesel", "glider base mass")
        rate = [ct_value(ext, g, "diesel", "lightweighting", str(y)) / sum(
            size_weights(TYPE_GVW[g]).values()) for y in anchors]
        rate = [0.0 if r < 1e-3 else r for r in rate]  # carculator's 1e-4 stands for none
        for y in years:
            v = round(float(np.interp(y, anchors, rate)) * base * KG, 9)
            rows.append((y, g, v, ranged(v, *LW_RANGE), tag(
                "CT", "L", f"glider base mass {base:.0f} kg ({mapping_note(g)}) x carculator's "
                "lightweighting rate (0 % 2000-2010, then rising to 28-30 % by 2050), "
                "interpolated; EU path applied to China; range 0-1.5 x")))
    return rows


def substitution_rows(ext: dict, materials: list[str]) -> list[tuple]:
    split = {}
    for label, amount in ext["datasets"]["glider lightweighting"].items():
        product = label.split("|")[0]
        if any(x in label for x in EXCLUDED):
            continue
        for m, share in next(s for k, s in MATERIAL_OF if k in product).items():
            split[m] = split.get(m, 0.0) + amount * share
    return [(m, round(split.get(m, 0.0), 12), "", tag(
        "CT", "M", "carculator 'glider lightweighting' per kg saved: -1.8 kg steel (-3.57 kg "
        "steel + 1.76 kg AHSS, counted as Fe), +0.8 kg Al" if m in split else "none"))
        for m in materials]
