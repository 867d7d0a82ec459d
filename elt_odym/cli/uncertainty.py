"""Uncertainty commands: ``sensitivity``, ``mc`` (Monte Carlo), ``sobol`` and ``structural``."""

from __future__ import annotations

import time

from .common import EXIT_OK, Printer, add_data_args, positive_int, table_text


def add_commands(sub, parent) -> None:
    """Register ``sensitivity``, ``mc``, ``sobol`` and ``structural``."""
    p = sub.add_parser("sensitivity", parents=[parent],
                       help="one-at-a-time sensitivity (lifetime, weight, prices, factors)")
    add_data_args(p)
    p.set_defaults(func=cmd_sensitivity)
    p = sub.add_parser("mc", parents=[parent], help="Monte Carlo on the array model")
    add_data_args(p)
    p.add_argument("--draws", type=positive_int, help="number of draws (default: config)")
    p.add_argument("--seed", type=int, help="random seed (default: config)")
    p.add_argument("--chunk", type=positive_int, help="draws per chunk (default: config)")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.add_argument("--calibration-draws", metavar="CSV",
                   help="draw the fitted lifetime parameters from this calibration_draws.csv "
                        "(written by calibrate) instead of the lifetime range")
    p.set_defaults(func=cmd_mc)
    p = sub.add_parser("sobol", parents=[parent], help="Sobol indices (SALib) on the array model")
    add_data_args(p)
    p.add_argument("--n", type=positive_int, default=1024,
                   help="SALib base sample size (power of 2)")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=cmd_sobol)
    p = sub.add_parser("structural", parents=[parent],
                       help="headline variables across lifetime and age structures")
    add_data_args(p, scenario=False)
    p.set_defaults(func=cmd_structural)


def cmd_sensitivity(args, printer: Printer) -> int:
    """One-at-a-time sensitivity: sensitivity.csv and sensitivity.png."""
    from ..data import load_data
    from ..reporting.outputs import prepare_out_dir
    from ..reporting.results import write_csv
    from ..reporting.uncertainty import fig_sensitivity
    from ..uncertainty.sensitivity import run_sensitivity

    out = prepare_out_dir(args.out, args.force)
    table = run_sensitivity(load_data(args.data, args.scenario))
    write_csv(table, out / "sensitivity.csv")
    fig_sensitivity(table, out / "sensitivity.png")
    part = table[(table.variable == "eol_mass") & (table.truck_type == "total")
                 & (table.year == 2050)].copy()
    part["rel_change_%"] = part["rel_change"] * 100
    printer.result("end-of-life weight 2050, relative change (%):")
    printer.result(table_text(part[["parameter", "change", "rel_change_%"]]))
    printer.say(f"wrote sensitivity.csv and sensitivity.png to {out}")
    return EXIT_OK


def cmd_mc(args, printer: Printer) -> int:
    """Monte Carlo: mc_summary.csv and the end-of-life weight distributions."""
    from ..data import load_data
    from ..reporting.outputs import prepare_out_dir
    from ..reporting.results import write_csv
    from ..reporting.uncertainty import fig_eol_distribution
    from ..uncertainty.montecarlo import run_mc

    out = prepare_out_dir(args.out, args.force)
    data = load_data(args.data, args.scenario)
    opts = data.config.uncertainty
    n, seed = args.draws or opts.draws, opts.seed if args.seed is None else args.seed
    start = time.perf_counter()
    draws = None
    if args.calibration_draws:
        from ..uncertainty.calibration_draws import (read_parameter_sets,
                                                     sample_with_parameter_sets)
        draws = sample_with_parameter_sets(data, n, seed,
                                           read_parameter_sets(args.calibration_draws))
    result = run_mc(data, n, seed, chunk=args.chunk, draws=draws,
                    progress=not (args.no_progress or args.quiet))
    took = time.perf_counter() - start
    summary = result.summary()
    write_csv(summary, out / "mc_summary.csv")
    fig_eol_distribution(result, out / "mc_eol_weight.png")
    part = summary[(summary.variable.isin(["eol_mass", "carbon_saving"]))
                   & (summary.truck_type == "total") & (summary.material.isin(["", "total"]))
                   & (summary.year.isin([2010, 2020, 2030, 2050]))]
    printer.say(f"{n} draws (seed {seed}) of scenario {data.scenario} in {took:.1f} s")
    printer.result(table_text(part[["variable", "year", "mean", "std", "p05", "p50", "p95",
                                    "unit"]]))
    printer.say(f"wrote mc_summary.csv and mc_eol_weight.png to {out}")
    return EXIT_OK


def cmd_sobol(args, printer: Printer) -> int:
    """Sobol indices: sobol.csv and sobol.png."""
    from ..data import load_data
    from ..reporting.outputs import prepare_out_dir
    from ..reporting.results import write_csv
    from ..reporting.uncertainty import fig_sobol
    from ..uncertainty.sobol import run_sobol

    out = prepare_out_dir(args.out, args.force)
    table = run_sobol(load_data(args.data, args.scenario), n=args.n, seed=args.seed)
    write_csv(table, out / "sobol.csv")
    fig_sobol(table, out / "sobol.png")
    printer.result(table_text(table))
    printer.say(f"wrote sobol.csv and sobol.png to {out}")
    return EXIT_OK


def cmd_structural(args, printer: Printer) -> int:
    """Structural uncertainty: structural.csv, structural_spread.csv and structural.png."""
    from ..reporting.outputs import prepare_out_dir
    from ..reporting.results import write_csv
    from ..reporting.structural import fig_structural
    from ..structural import run_structural, spread

    out = prepare_out_dir(args.out, args.force)
    table = run_structural(args.data)
    wide = spread(table)
    write_csv(table, out / "structural.csv")
    write_csv(wide.reset_index(names="variant"), out / "structural_spread.csv")
    fig_structural(table, out / "structural.png")
    cols = [c for c in wide.columns if c.startswith(("eol_mass 20", "carbon_saving 2050"))]
    printer.result(table_text(wide[cols].reset_index(names="variant")))
    printer.say(f"wrote structural.csv, structural_spread.csv and structural.png to {out}")
    return EXIT_OK
