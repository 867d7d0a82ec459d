"""Battery command: ``battery-mc`` (Monte Carlo and sensitivity of the powertrain inputs)."""

from __future__ import annotations

import time

from .common import EXIT_OK, Printer, add_data_args, positive_int, table_text


def add_commands(sub, parent) -> None:
    """Register ``battery-mc``."""
    p = sub.add_parser("battery-mc", parents=[parent],
                       help="Monte Carlo and sensitivity of the battery inputs (shares, kWh, "
                            "chemistry, battery lifetime, second life) on a fixed fleet")
    add_data_args(p)
    p.add_argument("--draws", type=positive_int, default=500, help="number of draws")
    p.add_argument("--seed", type=int, help="random seed (default: config)")
    p.set_defaults(func=cmd_battery_mc)


def cmd_battery_mc(args, printer: Printer) -> int:
    """battery_mc_summary.csv and battery_sensitivity.csv."""
    from ..data import load_data
    from ..io.output_folder import OutputFolder
    from ..reporting.results import write_csv
    from ..uncertainty.battery import battery_uncertainty

    scenario = args.scenario or "electrification_central"
    with OutputFolder(args.out, args.force, command="battery-mc") as folder:
        data = load_data(args.data, scenario)
        seed = data.config.uncertainty.seed if args.seed is None else args.seed
        folder.add_data(data)
        folder.meta.update(seed=seed, draws=args.draws)
        start = time.perf_counter()
        mc, sens = battery_uncertainty(args.data, scenario, args.draws, seed)
        write_csv(mc, folder.path / "battery_mc_summary.csv")
        write_csv(sens, folder.path / "battery_sensitivity.csv")
    part = mc[mc.year.isin([2030, 2040, 2050]) & mc.material.isin(["Li", "Ni", "Co",
                                                                    "graphite", ""])]
    printer.say(f"{args.draws} draws (seed {seed}) of {scenario} in "
                f"{time.perf_counter() - start:.1f} s")
    printer.result(table_text(part[["variable", "material", "year", "mean", "p05", "p50",
                                    "p95", "unit"]]))
    printer.say(f"wrote battery_mc_summary.csv and battery_sensitivity.csv to {args.out}")
    return EXIT_OK
