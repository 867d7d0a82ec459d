"""Write the trailer workbooks (``trailer_share``: trailers retired with each end-of-life truck).

Re-runnable. The study counts one truck unit and one trailer in every end-of-life truck and
shows truck units alone as the low end of its weight range (paper_methods.md, "material
composition"). ``datasets/trailer_share.xlsx`` states that choice (1, uniform between 0 and 1:
the draw the Monte Carlo has always made); ``datasets/best_estimate/trailer_share.xlsx`` holds
what the statistics suggest instead (validation_brief.md section 5, composition_brief.md
section 7):

- Shandong, 2009: 288,729 heavy trucks and 170,172 trailers (0.59 trailers per heavy truck,
  0.15 per truck);
- China's semi-trailer parc about 2 million around 2012, when the model holds 4.75 million
  heavy trucks (0.42 per heavy truck);
- MOFCOM, September 2019: 36,000 trucks and about 6,000 trailers formally recycled (0.17 per
  truck); heavy trucks are 24.5 % of the best estimate's end-of-life trucks of 2019, so 0.68
  trailers per heavy truck if every recycled trailer came with a heavy truck.

Heavy trucks (tractors pull the semi-trailers) take 0.55 (triangular 0.35-0.8); medium trucks
0.1 (0-0.3) and light trucks 0 (0-0.1), assumptions (the statistics count trailers for all
types together); mini trucks have no trailer mass. The trailer's mass is
``unit_weight - unit_weight_low`` as before.

Usage: python tools/bootstrap_trailers.py [ROOT] [--out DIR | --in-place]
(tools/data_step.py: by default nothing is written, only the diff is printed)
"""

from __future__ import annotations

import datetime
import sys
from pathlib import Path

from elt_odym.io.workbook import new_parameter_workbook, write_parameter_workbook

VERSION = "ELT_Classification_Master"
TODAY = datetime.date(2026, 12, 6).isoformat()
DESCRIPTION = ("trailers retired with each end-of-life truck (trailer mass: unit_weight - "
               "unit_weight_low)")
REFS = {
    "XU2025": ("Xu, Xiong, Liu et al. (2025) Commun. Earth Environ., methods: 'we assumed that "
               "each ELT has one truck unit and trailer, and we set weight ranges to show the "
               "possible deviation of recycler only receiving truck unit'", "M"),
    "SD2009": ("Shandong Statistical Yearbook, table 16-14 (2009): trucks 1,128,721 (heavy "
               "288,729), trailers 170,172 (validation_brief.md sections 1 and 5; derived ratio L)", "H"),
    "CAR2012": ("China Auto Review (about 2012): national semi-trailer parc about 2 million "
                "(composition_brief.md section 7)", "M"),
    "MOFCOM2019": ("MOFCOM, recycling of end-of-life vehicles, September 2019: trucks 36,000, "
                   "trailers about 6,000 (validation_brief.md section 3)", "H"),
    "ASSUME": ("Assumption of elt-odym, stated in the value's comment; replace when data are "
               "available", "L"),
}
STUDY = [("HT", 1.0, "4;0;1", "[XU2025|M] one trailer per end-of-life truck; truck unit only at "
          "the low end"),
         ("MT", 1.0, "4;0;1", "[XU2025|M] as HT"),
         ("ST", 1.0, "4;0;1", "[XU2025|M] as HT"),
         ("NT", 1.0, "", "[XU2025|M] no trailer mass (unit_weight = unit_weight_low)")]
BEST = [("HT", 0.55, "5;0.35;;0.8",
         "[SD2009|L] 0.59 trailers per heavy truck in Shandong 2009; [CAR2012|M] 2 M semi-"
         "trailers on 4.75 M heavy trucks (2012, model stock): 0.42; [MOFCOM2019|L] 0.17 "
         "trailers per recycled truck over a 24.5 % heavy share of end-of-life trucks: 0.68"),
        ("MT", 0.1, "5;0;;0.3", "[ASSUME|L] few medium trucks pull trailers; the trailers of "
         "the statistics are counted with the heavy trucks"),
        ("ST", 0.0, "5;0;;0.1", "[ASSUME|L] light trucks rarely pull trailers"),
        ("NT", 0.0, "", "[ASSUME|L] no trailer")]


def _refs(ids: list[str]) -> list[dict]:
    return [{"ref_id": i, "source": REFS[i][0], "confidence": REFS[i][1], "note": ""}
            for i in ids]


def write(folder: Path, rows: list[tuple], refs: list[str], note: str) -> None:
    """Write ``trailer_share.xlsx`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    pw = new_parameter_workbook(
        "trailer_share", DESCRIPTION, "1", [("Product", "Truck_type")], rows, _refs(refs),
        VERSION, comment=note, log=[{"date": TODAY, "author": "tools/bootstrap_trailers.py",
                                     "change": "created"}])
    write_parameter_workbook(pw, folder / "trailer_share.xlsx")


def main(root: Path) -> None:
    data = root / "datasets"
    write(data, STUDY, ["XU2025"], "the study's choice: one truck unit and trailer per ELT")
    write(data / "best_estimate", BEST, ["SD2009", "CAR2012", "MOFCOM2019", "ASSUME"],
          "trailers per end-of-life truck from the trailer statistics (best estimate)")


if __name__ == "__main__":
    from data_step import run_step

    sys.exit(run_step(main, sys.argv[1:], __doc__))
