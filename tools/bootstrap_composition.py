"""Write the composition data of issue 21 (what a truck is made of) through the io API.

Re-runnable. It reads the classification master, the study's composition
(``unit_weight``, ``material_composition``), the fuel-cell workbooks of issue 15 and
``tools/carculator_truck_extract.json`` (written by ``tools/carculator_extract.py`` from
carculator_truck 0.5.0 in a throwaway venv: never a runtime dependency), then

- adds the classifications ``Component`` and ``Emission_standard`` and the element ``Pr`` (zero
  in every material workbook where nothing is known);
- writes ``component_mass``, ``component_composition``, ``pgm_loading``,
  ``emission_standard_share``, ``lightweighting_mass`` and ``lightweighting_substitution``.

Every value carries ``[REF|C]`` (C = H, M, L); every adjustment of a carculator (EU) figure to
Chinese trucks says so in its comment (``adjusted to China``). Sources: carculator_truck 0.5.0
(its documentation, parameters and LCI datasets) and the other references in ``REFS``, each
with the source it names; ``docs/composition.md`` describes them.

Size classes. carculator_truck sizes trucks of 3.5, 7.5, 18, 26, 32, 40 and 60 t gross vehicle
weight (GVW). China's classes are GVW classes (heavy > 14 t, medium 6-14 t, light 1.8-6 t, mini
<= 1.8 t). Each type takes carculator's component masses at a representative GVW
(``TYPE_GVW``), interpolated linearly in GVW between the two neighbouring carculator sizes
(Hill et al. 2015, whom carculator follows, scale components with gross mass); heavy trucks
take the 40 t articulated class (the study's heavy unit weight includes a semi-trailer); below
3.5 t the 3.5 t truck is scaled by GVW (outside carculator's range: confidence L).

The cohort part (PGM by stage, stages by cohort, lightweighting) is in
``tools/composition_cohorts.py``; the table of ``docs/composition.md`` comes from
``tools/composition_table.py``.

Usage: python tools/bootstrap_composition.py [ROOT] [--out DIR | --in-place]
(tools/data_step.py: by default nothing is written, only the diff is printed)
"""

from __future__ import annotations

import datetime
import json
import sys
from pathlib import Path


from elt_odym.io.classification import (
    Classification,
    read_classification_master,
    write_classification_master,
)
from elt_odym.io.workbook import (
    Record,
    new_parameter_workbook,
    read_parameter_workbook,
    write_parameter_workbook,
)

TODAY = datetime.date(2026, 12, 1).isoformat()
AUTHOR = "tools/bootstrap_composition.py"
TYPES = ["HT", "MT", "ST", "NT"]
POWERTRAINS = ["diesel", "natural_gas", "BEV", "FCEV", "PHEV"]
CT_POWERTRAIN = {"diesel": "ICEV-d", "natural_gas": "ICEV-g", "BEV": "BEV", "FCEV": "FCEV",
                 "PHEV": "PHEV-d"}
COMPONENTS = ["trailer", "engine", "transmission", "fuel_tank", "gas_tank", "after_treatment",
              "ice_other", "e_motor", "magnet", "power_electronics", "ev_other",
              "fuel_cell_stack", "fuel_cell_catalyst", "fuel_cell_bop", "hydrogen_tank"]
STAGES = ["China_0", "China_I", "China_II", "China_III", "China_IV", "China_V", "China_VI"]
NEW_MATERIALS = ["Pr"]
PGM = ["Pt", "Pd", "Rh"]
REF_YEAR = "2020"
"""carculator year whose component sizing every cohort takes (cohort change of the
composition comes from lightweighting and emission standards, not from resizing)."""
CT_SIZES = {"3.5t": 3.5, "7.5t": 7.5, "18t": 18.0}
TYPE_GVW = {"HT": "40t", "MT": 10.0, "ST": 4.5, "NT": 1.8}
"""Representative GVW (t) of each type: MT the middle of 6-14 t; ST 4.5 t, the limit of the
'blue-plate' light trucks that most Chinese light trucks are (assumption, L); NT the class
limit 1.8 t; HT the 40 t articulated class."""
KG = 1e-3
"""t per kg (the workbooks are in t/unit, carculator in kg)."""
G_PER_KG = 1e3

REFS = {
    "CT": ("carculator_truck 0.5.0 (PSI, Sacchi et al.; PyPI carculator-truck), default "
           "parameters, TruckModel(cycle='Regional delivery').set_all(), 2020 sizing; component "
           "datasets (Wolff et al. 2020, Sustainability 12:5396) from carculator_utils 1.3.5's A "
           "matrix; extracted by tools/carculator_extract.py into "
           "tools/carculator_truck_extract.json", "M"),
    "CTDOC": ("carculator_truck docs/modeling.rst Table 2 (Hill et al. 2015, Ricardo-AEA for DG "
              "CLIMA) and default_parameters.json, as quoted by the composition brief", "M"),
    "COMPBRIEF": ("Composition brief of elt-odym (composition_brief.md), collecting the sources "
                  "named in each value's comment", "M"),
    "STUDY": ("The study's composition and unit weights (material_composition.xlsx, "
              "unit_weight.xlsx: 2010 end-of-life trucks)", "M"),
    "DIESELNET_HD": ("DieselNet, China: Heavy-duty engines, Table 1 implementation dates "
                     "(https://dieselnet.com/standards/cn/hd.php): nationwide, all vehicles, "
                     "compression ignition: China I 2001.09, II 2004.01, III 2008.01, IV "
                     "2015.01, V 2017.07, VI-a 2021.07 (gas 2019.07)", "M"),
    "ICCT_VI": ("ICCT 2018, China's Stage VI emissions standard for heavy-duty vehicles (final "
                "rule): VI-a gas HDVs 1 Jul 2019, all HDVs 1 Jul 2021", "M"),
    "MEP2017": ("MEP and AQSIQ release of the China 6 light-duty standard (Jan 2017): the "
                "national Stage I standard commenced enforcement in 2001", "H"),
    "LD_DATES": ("Light-duty dates: China 4 for diesel vehicles under 3.5 t postponed to 1 Jul "
                 "2013, China 5 from 2018 (us.ok.com Q&A, unverified); China 6a nationwide "
                 "delayed from 1 Jul 2020 to 1 Jan 2021 (DieselNet, China: Cars and light "
                 "trucks, via a mirror); China 2 (2004.07) and 3 (2007.07) not sourced", "L"),
    "ICCT_AT": ("ICCT via http://wwwen.ipe.org.cn/ICCT/HeavyDutyVehicle.aspx: China's diesel HDV "
                "after-treatment; 2012 44 % without after-treatment, SCR dominant from China "
                "III, DPF from <10 % (China V) to 100 % (China VI); 2023 DOC+DPF+SCR+ASC 35 %, "
                "EGR+DOC+DPF+SCR+ASC 65 %", "M"),
    "JM_LD": ("Johnson Matthey Technology Review Q&A: world average PGM loading of light-duty "
              "autocatalysts ~4-5 g per car (1 to >=15 g); CNG three-way catalysts use Pd-Rh "
              "with Pd above gasoline loadings", "M"),
    "MAGNET": ("Vendors: ~1.2 kg sintered NdFeB per 100 kW peak in a passenger-EV PMSM "
               "(mainrichinternational.com); NdFeB Nd 29-32.5 %, Fe 64-68.7 %, B 1.1-1.2 %, Dy "
               "0.6-1.2 %, Pr named, not quantified (couragemagnet.com)", "L"),
    "MOTORS": ("China NEV drive motors 2016: PMSM 77 %, induction 23 % (tw-motor.com); "
               "induction mainly in new-energy commercial vehicles, especially buses (51a.net, "
               "~2016); PMSM >90 % of installed motors 2024 (syncore-motion.com)", "M"),
    "PTWB": ("The issue-15 workbooks fuel_cell_power, fuel_cell_pt_loading, hydrogen_tank_mass "
             "(values, ranges and confidence as written there)", "L"),
    "ASSUME_COMP": ("Assumption of elt-odym for the composition model (no source found in the "
                    "composition brief); value and range in the comment; replace when "
                    "sourced", "L"),
}


def refs(*ids: str) -> list[dict]:
    return [{"ref_id": i, "source": REFS[i][0], "confidence": REFS[i][1], "note": ""}
            for i in ids]


def tag(ref: str, conf: str, text: str = "") -> str:
    return f"[{ref}|{conf}] {text}".strip()


def log(change: str) -> list[dict]:
    return [{"date": TODAY, "author": AUTHOR, "change": change}]


def ranged(value: float, lo: float, hi: float) -> str:
    """A triangular stats_array string from ``lo`` to ``hi`` times ``value`` (relative bounds)
    with the value as its mode: the sources give a central estimate and a range, and a
    uniform draw over a range that is not centred on the estimate would move the Monte
    Carlo's centre away from it (e.g. 0-1.5 x: a uniform mean of 0.75 x)."""
    return f"5;{value * lo!r};;{value * hi!r}" if value else ""


# -- carculator_truck: masses by type ------------------------------------------------------------

def load_extract(root: Path) -> dict:
    path = root / "tools" / "carculator_truck_extract.json"
    if not path.is_file():
        raise SystemExit(f"{path} not found: run tools/carculator_extract.py first (see its "
                         "docstring)")
    return json.loads(path.read_text(encoding="utf-8"))


def size_weights(gvw) -> dict[str, float]:
    """carculator size classes and weights that represent a truck of GVW ``gvw`` (t)."""
    if isinstance(gvw, str):
        return {gvw: 1.0}
    names = sorted(CT_SIZES, key=CT_SIZES.get)
    if gvw <= CT_SIZES[names[0]]:
        return {names[0]: gvw / CT_SIZES[names[0]]}
    for a, b in zip(names, names[1:]):
        if CT_SIZES[a] <= gvw <= CT_SIZES[b]:
            w = (gvw - CT_SIZES[a]) / (CT_SIZES[b] - CT_SIZES[a])
            return {a: 1.0 - w, b: w}
    raise ValueError(f"GVW {gvw} t above the interpolated carculator sizes")


def ct_value(ext: dict, g: str, p: str, parameter: str, year: str = REF_YEAR) -> float:
    """carculator's ``parameter`` (kg or kW) for type ``g`` and powertrain ``p``."""
    values = ext["masses"]["values"]
    return sum(w * values[f"{s}|{CT_POWERTRAIN[p]}|{parameter}"][year]
               for s, w in size_weights(TYPE_GVW[g]).items())


def mapping_note(g: str) -> str:
    w = size_weights(TYPE_GVW[g])
    if len(w) == 1 and next(iter(w.values())) == 1.0:
        return f"carculator {next(iter(w))}"
    if len(w) == 1:
        s, x = next(iter(w.items()))
        return (f"carculator {s} x {x:.3f} (GVW {TYPE_GVW[g]} t / {CT_SIZES[s]} t; adjusted "
                "to China)")
    return ("carculator " + " + ".join(f"{x:.3f} x {s}" for s, x in w.items())
            + f" (GVW {TYPE_GVW[g]} t; adjusted to China)")


# -- component material splits -------------------------------------------------------------------

EXCLUDED = ("metal working", "electricity", "heat and power", "water", "Transformation",
            "Occupation", "('air',)", "casting, brass", "welding", "laminating service",
            "nitrogen, liquid", "industrial gases", "natural gas, high pressure", "acetylene",
            "carbon dioxide, liquid", "isopropanol", "hydrochloric acid", "nitric acid",
            "sodium hydroxide", "potassium", "ethoxylated alcohol", "compressed air",
            "sulfuric acid")
"""Inputs of carculator's component datasets that are energy, services, emissions or
process chemicals, not material of the component."""
MATERIAL_OF = (  # first match wins
    ("platinum", {"Pt": 1.0}), ("gold", {"Au": 1.0}), ("nickel", {"Ni": 1.0}),
    ("brass", {"Cu": 0.64, "Zn": 0.36}), ("soft solder", {"Sn": 1.0}),
    ("market for tin", {"Sn": 1.0}),
    ("zinc", {"Zn": 1.0}), ("sheet rolling, copper", {"Cu": 1.0}), ("copper", {"Cu": 1.0}),
    ("aluminium oxide", {"other": 1.0}), ("aluminium", {"Al": 1.0}), ("cast iron", {"Fe": 1.0}),
    ("steel", {"Fe": 1.0}), ("glass fibre reinforced plastic", {"plastics": 1.0}),
    ("glass fibre", {"glass": 1.0}), ("carbon fiber", {"carbon_fibre": 1.0}),
    ("synthetic rubber", {"rubber": 1.0}), ("acrylonitrile", {"rubber": 1.0}),
    ("phenolic", {"plastics": 1.0}), ("poly", {"plastics": 1.0}), ("nylon", {"plastics": 1.0}),
    ("epoxy", {"plastics": 1.0}), ("Nafion", {"plastics": 1.0}),
    ("packaging film", {"plastics": 1.0}), ("silicone", {"plastics": 1.0}),
    ("HDPE", {"plastics": 1.0}), ("ceramic", {"other": 1.0}), ("lubricating oil", {"other": 1.0}),
    ("ethylene glycol", {"other": 1.0}), ("carbon black", {"other": 1.0}),
)
"""carculator (ecoinvent) product -> elt-odym material. Brass as CuZn36 and Cu 'sheet rolling'
as copper (a processing step in the carculator inventory that stands for the copper) are readings of
elt-odym (L); stainless (18/8) steel counts as Fe, as the battery workbooks do."""


def dataset_split(ext: dict, name: str, drop: tuple[str, ...] = ()) -> tuple[dict, float]:
    """Material shares (summing to 1) of carculator dataset ``name`` and its raw material sum."""
    out: dict[str, float] = {}
    for label, amount in ext["datasets"][name].items():
        product = label.split("|")[0]
        if any(x in label for x in EXCLUDED) or any(d in product for d in drop):
            continue
        split = next((m for key, m in MATERIAL_OF if key in product), None)
        if split is None:
            raise SystemExit(f"carculator input {label!r} of {name!r} has no material mapping; "
                             "add it to MATERIAL_OF or EXCLUDED")
        for m, share in split.items():
            out[m] = out.get(m, 0.0) + amount * share
    total = sum(out.values())
    return {m: v / total for m, v in out.items()}, total


def mix(*parts: tuple[float, dict]) -> dict:
    out: dict[str, float] = {}
    for weight, split in parts:
        for m, v in split.items():
            out[m] = out.get(m, 0.0) + weight * v
    total = sum(out.values())
    return {m: v / total for m, v in out.items()}


MAGNET = {"Nd": 0.3075 * 0.75, "Pr": 0.3075 * 0.25, "Dy": 0.009, "other": 0.0115}
MAGNET["Fe"] = 1.0 - sum(MAGNET.values())
"""NdFeB: Nd+Pr 30.75 % (mid of the vendor's 'Nd 29-32.5 %', read as the total light rare earth
as in PrNd-based magnets), Pr a quarter of it (PrNd alloys ~20-25 % Pr: assumption, L), Dy 0.9 %
(mid of 0.6-1.2 %), B 1.15 % (other), Fe the rest (MAGNET, L)."""
E_MOTOR = {"Fe": 0.55, "Cu": 0.20, "Al": 0.20, "plastics": 0.03, "other": 0.02}
"""A truck e-motor without its magnet: electrical steel and shaft, copper windings, aluminium
housing, insulation (no source found for a truck motor: assumption, L)."""
BOP = {"Fe": 0.338 + 0.048, "plastics": 0.252 + 0.053, "other": 0.169, "Al": 0.091,
       "rubber": 0.048}
"""Essential fuel-cell balance of plant, carculator_truck's LCI dataset (CT-LCI): steel 33.8 %,
PPS 25.2 %, glycol 16.9 %, Al 9.1 %, HDPE 5.3 %, rubber 4.8 %, CrNi steel 4.8 % (the installed
carculator_utils carries a stationary 1 kWe dataset instead, 8 kg/kW, not a truck's)."""


def compositions(ext: dict) -> dict[str, tuple[dict, str, str, str]]:
    """Material split of every component: ``{component: (split, ref, conf, note)}``."""
    d = lambda name, drop=(): dataset_split(ext, name, drop)  # noqa: E731
    engine, engine_raw = d("internal combustion engine, for lorry", ("phenolic",))
    at, _ = d("exhaust system, for lorry", ("platinum",))
    trans = mix((0.52, d("transmission, for lorry")[0]), (0.36, d("gearbox, for lorry")[0]),
                (0.12, d("retarder, for lorry")[0]))
    trailer = mix((0.70, d("frame, blanks and saddle, for lorry")[0]),
                  (0.15, d("suspension, for lorry")[0]),
                  (0.15, d("tires and wheels, for lorry")[0]))
    stack, _ = d("fuel cell stack production, 1 kWe, proton exchange membrane (PEM)",
                 ("platinum",))
    h2, h2_raw = d("fuel tank assembly, compressed hydrogen gas, 700bar")
    ct = ("CT", "M")
    return {
        "trailer": (trailer, "ASSUME_COMP", "L", "semi-trailer composition not found: 70 % "
                    "carculator frame/blanks/saddle, 15 % suspension, 15 % tyres and wheels "
                    "(weights assumed)"),
        "engine": (engine, "CT", "L", "carculator 'internal combustion engine, for lorry' "
                   f"without its 45 % phenolic resin (the dataset sums to {engine_raw:.3f} kg/kg: "
                   "the brief flags the resin entry as suspect), renormalised"),
        "transmission": (trans, *ct, "carculator: 52 % transmission shaft, 36 % gearbox, 12 % "
                         "retarder"),
        "fuel_tank": (d("fuel tank, for diesel vehicle")[0], *ct, "aluminium diesel tank"),
        "gas_tank": (d("fuel tank assembly, compressed natural gas, 200 bar")[0], "CT", "L",
                     "carculator's CNG cylinder; China's natural-gas heavy trucks mostly carry "
                     "LNG (cryogenic stainless) tanks: adjusted to China by taking the CNG "
                     "composition as a stand-in"),
        "after_treatment": (at, *ct, "carculator 'exhaust system, for lorry' without its "
                            "platinum (PGMs are in pgm_loading by emission standard)"),
        "ice_other": (d("other components, for hybrid electric lorry")[0], *ct,
                      "carculator 'other components' of combustion trucks (MAN TGX 18.440)"),
        "e_motor": (E_MOTOR, "ASSUME_COMP", "L", "truck e-motor without its magnet: 55 % "
                    "electrical steel and shaft, 20 % Cu windings, 20 % Al housing, 3 % "
                    "insulation, 2 % other (carculator links an ecoinvent car motor; no truck "
                    "split found)"),
        "magnet": (dict(MAGNET), "MAGNET", "L", "sintered NdFeB: Nd+Pr 30.75 %, of it Pr 25 % "
                   "(assumption), Dy 0.9 %, B 1.15 % (other), Fe the rest; Tb not sourced"),
        "power_electronics": (d("power electronics, for lorry")[0], *ct,
                              "inverter, DC/DC converter, power distribution unit and on-board "
                              "charger, carculator 'power electronics, for lorry'"),
        "ev_other": (d("other components, for electric lorry")[0], *ct,
                     "thermal system, high-voltage wiring and other parts of electric trucks "
                     "(carculator 'other components, for electric lorry'; not separable)"),
        "fuel_cell_stack": (stack, *ct, "carculator PEM stack per kWe without its platinum "
                            "(the catalyst is its own component)"),
        "fuel_cell_catalyst": ({"Pt": 1.0}, "PTWB", "L", "stack platinum"),
        "fuel_cell_bop": (BOP, "COMPBRIEF", "M", "essential BoP of CT-LCI (brief section 5)"),
        "hydrogen_tank": (h2, *ct, "carculator 700 bar Type IV tank assembly (carbon fibre "
                          f"74.4 %, epoxy 25.6 %, HDPE liner 7.4 %: sums to {h2_raw:.3f}, "
                          "renormalised)"),
    }


def composition_rows(splits: dict, materials: list[str]) -> list[tuple]:
    rows = []
    for o in COMPONENTS:
        split, ref, conf, note = splits[o]
        unknown = set(split) - set(materials)
        if unknown:
            raise SystemExit(f"component {o}: materials {sorted(unknown)} not classified")
        shares = {m: round(split.get(m, 0.0), 12) for m in materials}
        top = max(shares, key=shares.get)  # rounding residue on the largest share: sums to 1
        shares[top] = round(1.0 - sum(v for m, v in shares.items() if m != top), 12)
        rows += [(o, m, shares[m], "", tag(ref, conf, note if shares[m] else "none"))
                 for m in materials]
    return rows


# -- component masses ----------------------------------------------------------------------------

RANGES = {  # relative range of each component mass (triangular, the value its mode) (all types and powertrains)
    "engine": (0.8, 1.2, "M", "carculator's 2.8 kg/kW + 50 kg rule (7 HD engines)"),
    "transmission": (0.8, 1.2, "M", "23.6 kg/t GVW (<=26 t), 14 kg/t (>=32 t), Hill et al."),
    "fuel_tank": (0.7, 1.3, "M", "tank sized by range"),
    "gas_tank": (0.5, 2.0, "L", "CNG vs LNG tanks"),
    "after_treatment": (0.7, 1.5, "L", "carculator keeps Euro III-VI exhaust mass constant"),
    "ice_other": (0.7, 1.3, "M", ""),
    "e_motor": (0.7, 1.3, "M", "carculator's 1.46 kg/kW - 59 kg rule"),
    "power_electronics": (0.7, 1.3, "M", ""),
    "ev_other": (0.7, 1.3, "M", ""),
    "fuel_cell_stack": (0.7, 1.3, "M", ""),
    "fuel_cell_bop": (0.7, 1.3, "M", ""),
}
PMSM_SHARE = (0.70, 0.40, 0.95)
"""Share of permanent-magnet motors in Chinese electric trucks (value, low, high): 77 % of
China's NEV motors in 2016, >90 % in 2024, induction motors favoured in commercial vehicles
(MOTORS): 70 % assumed for trucks, range 40-95 % (L)."""
NDFEB_PER_KW = (0.012, 0.006, 0.025)
"""kg NdFeB per kW of motor power (value, low, high): the vendor's passenger-car 1.2 kg per
100 kW (MAGNET, L), range 0.6-2.5 kg per 100 kW for slower, high-torque truck motors (L)."""


def _workbook(root: Path, name: str) -> dict[tuple, tuple[float, str]]:
    pw = read_parameter_workbook(root / "datasets" / f"{name}.xlsx")
    return {r.index: (float(r.value), r.stats_array) for r in pw.records}


def mass_rows(root: Path, ext: dict) -> list[tuple]:
    """Rows ``(type, powertrain, component, t, stats, comment)`` of the components present."""
    fc_power = _workbook(root, "fuel_cell_power")
    pt_loading = _workbook(root, "fuel_cell_pt_loading")[()]
    cf = _workbook(root, "hydrogen_tank_mass")
    cf_share = compositions(ext)["hydrogen_tank"][0]["carbon_fibre"]
    rows = []
    for g in TYPES:
        note = mapping_note(g)
        for p in POWERTRAINS:
            def ct(*parameters):
                return sum(ct_value(ext, g, p, x) for x in parameters) * KG

            def put(o, value, text, ref="CT", conf="M", rng=None):
                if value <= 0:
                    return
                lo, hi, c, why = rng or RANGES[o]
                conf = max(conf, c, key="HML".index)  # the lower confidence
                rows.append((g, p, o, round(value, 9), ranged(round(value, 9), lo, hi),
                             tag(ref, conf, f"{text}; range {lo:g}-{hi:g} x {why}".rstrip())))

            combustion = ct("combustion power") > 0
            put("engine", ct("combustion engine mass"), f"{note}, {CT_POWERTRAIN[p]} engine")
            put("transmission", ct("transmission mass"), f"{note}; carculator keeps it for "
                "electric trucks (no separate e-axle mass)")
            tank = ct("fuel tank mass") if p in ("diesel", "PHEV") else 0.0
            put("fuel_tank", tank, f"{note}, diesel tank")
            put("gas_tank", ct("fuel tank mass") if p == "natural_gas" else 0.0,
                f"{note}, CNG cylinders")
            put("after_treatment", ct("exhaust system mass"), f"{note}, exhaust system")
            put("ice_other", ct("other components mass") if combustion else 0.0,
                f"{note}, other components of combustion trucks")
            put("ev_other", 0.0 if combustion else ct("other components mass"),
                f"{note}, other components of electric trucks (thermal, HV wiring)")
            kw = ct_value(ext, g, p, "electric power")
            magnet = (kw * NDFEB_PER_KW[0] * PMSM_SHARE[0] * KG
                      if ct("electric engine mass") else 0.0)
            put("e_motor", ct("electric engine mass") - magnet, f"{note}, e-motor less its "
                "magnet")
            put("magnet", magnet, f"{kw:.0f} kW motor x {NDFEB_PER_KW[0] * 100:g} kg NdFeB per "
                f"100 kW x PMSM share {PMSM_SHARE[0]:g}", "MAGNET", "L",
                (NDFEB_PER_KW[1] * PMSM_SHARE[1] / (NDFEB_PER_KW[0] * PMSM_SHARE[0]),
                 NDFEB_PER_KW[2] * PMSM_SHARE[2] / (NDFEB_PER_KW[0] * PMSM_SHARE[0]), "L",
                 f"loading {NDFEB_PER_KW[1] * 100:g}-{NDFEB_PER_KW[2] * 100:g} kg/100 kW, "
                 f"PMSM share {PMSM_SHARE[1]:g}-{PMSM_SHARE[2]:g}"))
            put("power_electronics", ct("inverter mass", "converter mass",
                                        "power distribution unit mass", "charger mass"),
                f"{note}, inverter + converter + PDU + charger")
            if p != "FCEV":
                continue
            power = fc_power[(g,)][0]
            ct_kw = ct_value(ext, g, p, "fuel cell power")
            stack = ct_value(ext, g, p, "fuel cell stack mass") / ct_kw / 2
            bop = ct_value(ext, g, p, "fuel cell essential BoP mass",) / ct_kw
            put("fuel_cell_stack", power * stack * KG, f"fuel_cell_power {power:g} kW x "
                f"{stack:.3f} kg/kW (carculator stack mass per kW over its 2 stacks per truck "
                "life: one at end of life)")
            put("fuel_cell_bop", power * bop * KG, f"fuel_cell_power {power:g} kW x {bop:.2f} "
                "kg/kW essential BoP (carculator)")
            lo, hi = (float(x) for x in pt_loading[1].split(";")[1:3])
            put("fuel_cell_catalyst", power * pt_loading[0] / G_PER_KG * KG,
                f"fuel_cell_power {power:g} kW x fuel_cell_pt_loading {pt_loading[0]:g} g/kW",
                "PTWB", "L", (lo / pt_loading[0], hi / pt_loading[0], "L", "fuel_cell_pt_loading"))
            lo, hi = (float(x) / cf[(g,)][0] for x in cf[(g,)][1].split(";")[1:3])
            put("hydrogen_tank", cf[(g,)][0] / cf_share, f"hydrogen_tank_mass {cf[(g,)][0]:g} t "
                f"carbon fibre / {cf_share:.3f} carbon-fibre share of the tank", "PTWB", "L",
                (lo, hi, "L", "hydrogen_tank_mass"))
    return rows


# -- classification and material workbooks -------------------------------------------------------

def classification(root: Path) -> tuple[str, list[str]]:
    path = root / "classification" / "ELT_Classification_Master.xlsx"
    master = read_classification_master(path)
    materials = master["Material"].items
    materials += [m for m in NEW_MATERIALS if m not in materials]
    for name, items, desc in (
            ("Component", COMPONENTS, "truck components besides the glider (body, chassis, cab: "
             "derived as today's diesel truck minus its diesel parts)"),
            ("Emission_standard", STAGES, "China's national vehicle emission stages (China_0: "
             "before China I)")):
        if name not in master.classifications:
            cls = Classification(name, name, list(items), desc,
                                 str(len(master.classifications) + 1), reference="elt-odym")
            cls.meta = {"created": TODAY, "modified": TODAY}
            master.classifications[name] = cls
        master.classifications[name].items = list(items)
    write_classification_master(master, path)
    return master.version, list(materials)


def _extend(path: Path, rows: list[tuple], ref_ids: tuple[str, ...]) -> None:
    """Append the rows ``(*index, value, comment)`` whose index is missing."""
    if not path.is_file():
        return
    pw = read_parameter_workbook(path)
    have = {r.index for r in pw.records}
    nom, den = (pw.unit.split("/", 1) + [""])[:2]
    n = len(pw.aspects)
    new = [Record(index=tuple(r[:n]), value=r[n], unit_nominator=nom, unit_denominator=den,
                  comment=r[n + 1]) for r in rows if tuple(r[:n]) not in have]
    if not new:
        return
    pw.records += new
    pw.refs += [r for r in refs(*ref_ids) if r["ref_id"] not in pw.ref_ids()]
    pw.log += log(f"added {sorted({r.index for r in new})[:3]}... (issue 21: new elements)")
    write_parameter_workbook(pw, path)


def extend_material_workbooks(root: Path) -> None:
    """Zero rows (or the Nd analogue, marked) for the new elements in every material workbook."""
    ds = root / "datasets"
    a = "ASSUME_COMP"
    none_known = "no source: zero; the element enters trucks through the magnet component"
    for m in NEW_MATERIALS:
        _extend(ds / "material_composition.xlsx",
                [(g, m, 0.0, tag(a, "L", "not in the study's composition; " + none_known))
                 for g in TYPES], (a,))
        for f in ("price.xlsx", "valuation_secondary/price.xlsx"):
            _extend(ds / f, [(m, s, 0.0, tag(a, "L", "no price source found: not valued"))
                             for s in ("low", "mean", "high")], (a,))
        _extend(ds / "recovery_efficiency.xlsx",
                [(m, 1.0, tag(a, "L", "maximum potential, as every material here"))], (a,))
        _extend(ds / "current_practice" / "recovery_efficiency.xlsx",
                [(m, 0.0, tag(a, "L", "as Nd: rare earths are not recovered today"))], (a,))
        _extend(ds / "closed_loop_share.xlsx",
                [(m, 0.0, tag(a, "L", "as Nd: secondary material goes to other markets"))], (a,))
        _extend(ds / "battery_recovery_efficiency.xlsx",
                [(m, 0.0, tag(a, "L", "not in traction components"))], (a,))
        _extend(ds / "battery_material_intensity.xlsx",
                [(k, m, 0.0, tag(a, "L", "not in battery packs")) for k in
                 ("LFP", "NMC811", "NMC622")], (a,))


# -- writing -------------------------------------------------------------------------------------

def write_all(root: Path, version: str, materials: list[str], ext: dict) -> None:
    from composition_cohorts import (  # tools/composition_cohorts.py
        lightweighting_rows,
        pgm_rows,
        standard_rows,
        substitution_rows,
    )

    ds = root / "datasets"
    years = list(read_classification_master(
        root / "classification" / "ELT_Classification_Master.xlsx")["Time"].items)
    ct_ids = ("CT", "CTDOC", "COMPBRIEF", "MAGNET", "MOTORS", "PTWB", "ASSUME_COMP")

    def put(name, desc, unit, aspects, rows, ids, **kw):
        write_parameter_workbook(new_parameter_workbook(
            name, desc, unit, aspects, rows, refs(*ids), version, log=log("created"), **kw),
            ds / f"{name}.xlsx")

    put("component_mass", "mass of each component of a truck by type and powertrain (2020 "
        "sizing; missing rows: the component is absent; glider and trailer are derived)",
        "t/unit", [("Product", "Truck_type"), ("Powertrain", "Powertrain"),
                   ("Component", "Component")], mass_rows(root, ext), ct_ids,
        uncertainty="triangular (mode: the value); the rows of one component are drawn together",
        comment=" ".join(f"{g}: {mapping_note(g)}." for g in TYPES))
    put("component_composition", "material share of each component (kg/kg, sums to 1)", "1",
        [("Component", "Component"), ("Material", "Material")],
        composition_rows(compositions(ext), materials), ct_ids)
    put("pgm_loading", "platinum-group metals in the after-treatment of a truck by emission "
        "standard, type and powertrain", "g/unit",
        [("Emission_standard", "Emission_standard"), ("Product", "Truck_type"),
         ("Powertrain", "Powertrain"), ("Material", "Material")], pgm_rows(root, ext),
        ("STUDY", "CT", "ICCT_AT", "JM_LD", "ASSUME_COMP"),
        uncertainty="triangular (mode: the value); one draw per powertrain and metal across stages and types")
    put("emission_standard_share", "share of a cohort's new trucks registered under each "
        "emission stage", "1", [("Time", "Time"), ("Product", "Truck_type"),
                                ("Powertrain", "Powertrain"),
                                ("Emission_standard", "Emission_standard")],
        standard_rows(years), ("DIESELNET_HD", "ICCT_VI", "MEP2017", "LD_DATES"))
    put("lightweighting_mass", "glider mass saved by lightweighting, by cohort and type",
        "t/unit", [("Time", "Time"), ("Product", "Truck_type")],
        lightweighting_rows(ext, years), ("CT",), uncertainty="triangular (mode: the value), one draw")
    put("lightweighting_substitution", "material change per t of glider mass saved", "t/t",
        [("Material", "Material")], substitution_rows(ext, materials), ("CT",))


def main(root: Path) -> None:
    ext = load_extract(root)
    version, materials = classification(root)
    extend_material_workbooks(root)
    write_all(root, version, materials, ext)


if __name__ == "__main__":
    from data_step import run_step

    sys.exit(run_step(main, sys.argv[1:], __doc__,
                      inputs=("tools/carculator_truck_extract.json",)))
