"""Battery command: ``battery-mc``, a preset of ``mc`` and ``sensitivity`` for the traction chain."""

from __future__ import annotations

import time

from .common import EXIT_OK, Printer, add_data_args, positive_int, table_text

BATTERY_SCENARIO = "electrification_central"
"""The scenario of ``battery-mc`` unless ``--scenario`` names another."""


def add_commands(sub, parent) -> None:
    """Register ``battery-mc``."""
    p = sub.add_parser("battery-mc", parents=[parent],
                       help="the Monte Carlo of mc (every input drawn, the fleet too) and the "
                            "one-at-a-time cases of the battery inputs, battery variables only")
    add_data_args(p)
    p.add_argument("--draws", type=positive_int, default=2000, help="number of draws")
    p.add_argument("--seed", type=int, help="random seed (default: config)")
    p.set_defaults(func=cmd_battery_mc)


def cmd_battery_mc(args, printer: Printer) -> int:
    """battery_mc_summary.csv and battery_sensitivity.csv."""
    from ..data import load_data
    from ..io.output_folder import OutputFolder, input_folders
    from ..reporting.results import write_csv
    from ..uncertainty.montecarlo import run_monte_carlo
    from ..uncertainty.sensitivity import run_sensitivity

    scenario = args.scenario or BATTERY_SCENARIO
    with OutputFolder(args.out, args.force, command="battery-mc",
                      protect=input_folders(args.data)) as folder:
        data = load_data(args.data, scenario)
        seed = data.config.uncertainty.seed if args.seed is None else args.seed
        folder.add_data(data)
        folder.meta.update(seed=seed, draws=args.draws)
        start = time.perf_counter()
        summary = run_monte_carlo(data, args.draws, seed, progress=not args.quiet).summary()
        mc = summary[summary.variable.str.startswith(("battery_", "fuel_cell_"))]
        sens = run_sensitivity(data)
        sens = sens[sens.variable.str.startswith("battery_")]
        write_csv(mc, folder.path / "battery_mc_summary.csv")
        write_csv(sens, folder.path / "battery_sensitivity.csv")
    part = mc[mc.year.isin([2030, 2040, 2050]) & (mc.truck_type == "total")
              & mc.material.isin(["Li", "Ni", "Co", "graphite", ""])
              & mc.variable.isin(["battery_eol_material", "battery_capacity_retired"])]
    printer.say(f"{args.draws} draws (seed {seed}) of {scenario} in "
                f"{time.perf_counter() - start:.1f} s")
    printer.result(table_text(part[["variable", "material", "year", "mean", "p05", "p50",
                                    "p95", "unit"]]))
    printer.say(f"wrote battery_mc_summary.csv and battery_sensitivity.csv to {args.out}")
    return EXIT_OK
