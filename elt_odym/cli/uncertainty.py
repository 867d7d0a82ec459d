"""Uncertainty commands: ``sensitivity``, ``mc`` (Monte Carlo) and ``sobol``."""

from __future__ import annotations

import contextlib
import time

from .common import EXIT_OK, Printer, add_data_args, positive_int, table_text


def add_commands(sub, parent) -> None:
    """Register ``sensitivity``, ``mc`` and ``sobol``."""
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
    add_cluster_args(p)
    p.set_defaults(func=cmd_mc)
    p = sub.add_parser("sobol", parents=[parent], help="Sobol indices (SALib) on the array model")
    add_data_args(p)
    p.add_argument("--n", type=positive_int, default=1024,
                   help="SALib base sample size (power of 2)")
    p.add_argument("--seed", type=int, default=0)
    add_cluster_args(p)
    p.set_defaults(func=cmd_sobol)


def add_cluster_args(p) -> None:
    """``--workers`` and ``--scheduler``: run the chunks on Dask (elt-odym[distributed])."""
    group = p.add_mutually_exclusive_group()
    group.add_argument("--workers", type=positive_int, metavar="N",
                       help="start a local Dask cluster of N worker processes for the chunks")
    group.add_argument("--scheduler", metavar="ADDRESS",
                       help="run the chunks on the Dask cluster at ADDRESS (tcp://host:8786)")


def cluster(args):
    """A Dask client for ``--workers``/``--scheduler``, or a context yielding None."""
    if getattr(args, "workers", None) or getattr(args, "scheduler", None):
        from ..uncertainty.distributed import dask_client

        return dask_client(workers=args.workers, scheduler=args.scheduler)
    return contextlib.nullcontext(None)


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
    with cluster(args) as client:
        result = run_mc(data, n, seed, chunk=args.chunk,
                        progress=not (args.no_progress or args.quiet), client=client)
    summary = result.summary()
    took = time.perf_counter() - start
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
    with cluster(args) as client:
        table = run_sobol(load_data(args.data, args.scenario), n=args.n, seed=args.seed,
                          client=client)
    write_csv(table, out / "sobol.csv")
    fig_sobol(table, out / "sobol.png")
    printer.result(table_text(table))
    printer.say(f"wrote sobol.csv and sobol.png to {out}")
    return EXIT_OK
