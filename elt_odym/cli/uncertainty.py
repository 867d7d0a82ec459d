"""Uncertainty commands: ``sensitivity``, ``mc`` (Monte Carlo), ``sobol`` and ``structural``."""

from __future__ import annotations

import contextlib
import time

from .common import (
    EXIT_OK,
    Printer,
    add_data_args,
    memory_size,
    positive_int,
    power_of_two,
    seed_int,
    table_text,
)

BUDGET_HELP = "memory the run may use, e.g. 4G, 512M (default 4G); refused beyond it"


def add_commands(sub, parent) -> None:
    """Register ``sensitivity``, ``mc``, ``sobol`` and ``structural``."""
    p = sub.add_parser("sensitivity", parents=[parent],
                       help="one-at-a-time sensitivity (lifetime, weight, prices, factors)")
    add_data_args(p)
    p.set_defaults(func=cmd_sensitivity)
    p = sub.add_parser("mc", parents=[parent],
                       help="Monte Carlo of every output, all inputs drawn jointly")
    add_data_args(p)
    p.add_argument("--draws", type=positive_int, help="number of draws (default: config)")
    p.add_argument("--seed", type=seed_int, help="random seed (default: config)")
    p.add_argument("--chunk", type=positive_int, help="draws per chunk (default: config)")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.add_argument("--memory-budget", type=memory_size, default="4G", help=BUDGET_HELP)
    p.add_argument("--calibration-draws", metavar="CSV",
                   help="draw the fitted lifetime and period parameters from this "
                        "calibration_draws.csv (written by calibrate) instead of the ranges")
    add_cluster_args(p)
    p.set_defaults(func=cmd_mc)
    p = sub.add_parser("sobol", parents=[parent],
                       help="Sobol indices (SALib) of the groups of inputs, for the headline")
    add_data_args(p)
    p.add_argument("--n", type=power_of_two, default=1024,
                   help="SALib base sample size, a power of 2 (default 1024)")
    p.add_argument("--year", type=int, default=2050,
                   help="year of the headline outputs (default 2050)")
    p.add_argument("--seed", type=seed_int, default=0)
    p.add_argument("--memory-budget", type=memory_size, default="4G", help=BUDGET_HELP)
    add_cluster_args(p)
    p.set_defaults(func=cmd_sobol)
    p = sub.add_parser("structural", parents=[parent],
                       help="headline variables across lifetime and age structures")
    add_data_args(p, scenario=False)
    p.set_defaults(func=cmd_structural)


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
    from ..io.output_folder import OutputFolder, input_folders
    from ..reporting.results import write_csv
    from ..reporting.uncertainty import fig_sensitivity
    from ..uncertainty.sensitivity import run_sensitivity

    with OutputFolder(args.out, args.force, command="sensitivity",
                      protect=input_folders(args.data)) as folder:
        data = load_data(args.data, args.scenario)
        folder.add_data(data)
        table = run_sensitivity(data)
        write_csv(table, folder.path / "sensitivity.csv")
        fig_sensitivity(table, folder.path / "sensitivity.png", scenario=data.scenario)
    part = table[(table.variable == "eol_mass") & (table.truck_type == "total")
                 & (table.year == 2050)].copy()
    part["rel_change_%"] = part["rel_change"] * 100
    printer.result("end-of-life weight 2050, relative change (%):")
    printer.result(table_text(part[["parameter", "change", "rel_change_%"]]))
    printer.say(f"wrote sensitivity.csv and sensitivity.png to {args.out}")
    return EXIT_OK


def cmd_mc(args, printer: Printer) -> int:
    """Monte Carlo: mc_summary.csv and the end-of-life weight distributions."""
    from ..data import load_data
    from ..io.output_folder import OutputFolder, input_folders
    from ..reporting.outputs import check_finite
    from ..reporting.results import write_csv
    from ..reporting.uncertainty import fig_eol_distribution
    from ..uncertainty.montecarlo import run_monte_carlo

    with OutputFolder(args.out, args.force, command="mc",
                      protect=input_folders(args.data)) as folder:
        data = load_data(args.data, args.scenario)
        opts = data.config.uncertainty
        n, seed = args.draws or opts.draws, opts.seed if args.seed is None else args.seed
        folder.add_data(data)
        folder.meta.update(seed=seed, draws=n)
        if args.calibration_draws:
            folder.add_input(args.calibration_draws, data.config.data_dir)
        start = time.perf_counter()
        _print_groups(printer, data, args.calibration_draws)
        with cluster(args) as client:
            result = run_monte_carlo(data, n, seed, chunk=args.chunk,
                                     calibration_draws=args.calibration_draws,
                                     memory_budget=args.memory_budget,
                                     progress=not (args.no_progress or args.quiet),
                                     client=client)
        summary = result.summary()
        took = time.perf_counter() - start
        check_finite(summary, "mc_summary.csv")
        write_csv(summary, folder.path / "mc_summary.csv")
        fig_eol_distribution(result, folder.path / "mc_eol_weight.png", data.scenario)
    part = summary[(summary.variable.isin(["eol_mass", "carbon_saving"]))
                   & (summary.truck_type == "total") & (summary.material.isin(["", "total"]))
                   & (summary.year.isin([2010, 2020, 2030, 2050]))]
    printer.say(f"{n} draws (seed {seed}) of scenario {data.scenario}, "
                f"{result.layout.size:,} series, in {took:.1f} s")
    printer.result(table_text(part[["variable", "year", "mean", "std", "p05", "p50", "p95",
                                    "unit"]]))
    printer.say(f"wrote mc_summary.csv and mc_eol_weight.png to {args.out}")
    return EXIT_OK


def _print_groups(printer: Printer, data, calibration_draws: str | None = None) -> None:
    """What the joint Monte Carlo draws, one line per group."""
    from ..uncertainty.calibration_draws import read_parameter_sets, with_parameter_sets
    from ..uncertainty.montecarlo import mc_inputs
    from ..uncertainty.sampling import describe

    inputs = mc_inputs(data)
    if calibration_draws:
        inputs = with_parameter_sets(inputs, read_parameter_sets(calibration_draws),
                                     calibration_draws)
    for row in describe(inputs, data.config.uncertainty).itertuples():
        printer.say(f"  {row.label}: {row.how}")


def headline_outputs(data, year: int) -> list[tuple[str, str, int]]:
    """The headline quantities (:data:`elt_odym.model.HEADLINE`) of ``year`` as Sobol
    outputs."""
    from ..errors import ConfigError
    from ..model import HEADLINE

    if year not in data.years:
        raise ConfigError(f"--year {year} is outside the years {data.years[0]}-"
                          f"{data.years[-1]} of scenario {data.scenario!r}")
    return [(var, mat or "total", year) for var, mat, *_ in HEADLINE]


def cmd_sobol(args, printer: Printer) -> int:
    """Sobol indices by group: sobol.csv and sobol.png."""
    from ..data import load_data
    from ..io.output_folder import OutputFolder, input_folders
    from ..reporting.results import write_csv
    from ..reporting.uncertainty import fig_sobol
    from ..uncertainty.sobol import run_sobol

    with OutputFolder(args.out, args.force, command="sobol",
                      protect=input_folders(args.data)) as folder:
        data = load_data(args.data, args.scenario)
        folder.add_data(data)
        folder.meta.update(seed=args.seed, n=args.n)
        outputs = headline_outputs(data, args.year)
        _print_groups(printer, data)
        with cluster(args) as client:
            table = run_sobol(data, n=args.n, seed=args.seed, outputs=outputs, client=client,
                              memory_budget=args.memory_budget)
        write_csv(table, folder.path / "sobol.csv")
        fig_sobol(table, folder.path / "sobol.png", data.scenario)
    top = (table.sort_values("ST", ascending=False).groupby("output", sort=False).head(3)
           .assign(rank=lambda t: t.groupby("output").cumcount() + 1))
    wide = top.pivot(index="output", columns="rank", values="group").reindex(
        table["output"].unique())
    wide.columns = [f"{'first second third'.split()[c - 1]} (largest ST)" for c in wide.columns]
    printer.result(f"groups driving each headline of {args.year}, scenario {data.scenario}:")
    printer.result(table_text(wide.reset_index()))
    printer.say(f"wrote sobol.csv and sobol.png to {args.out}")
    return EXIT_OK


def cmd_structural(args, printer: Printer) -> int:
    """Structural uncertainty: structural.csv, structural_spread.csv and structural.png."""
    from ..io.output_folder import OutputFolder, input_folders
    from ..reporting.results import write_csv
    from ..reporting.structural import fig_structural
    from ..studies.structural import run_structural, spread

    with OutputFolder(args.out, args.force, command="structural",
                      protect=input_folders(args.data)) as folder:
        table = run_structural(args.data)
        wide = spread(table)
        write_csv(table, folder.path / "structural.csv")
        write_csv(wide.reset_index(names="variant"), folder.path / "structural_spread.csv")
        fig_structural(table, folder.path / "structural.png")
    cols = [c for c in wide.columns if c.startswith(("eol_mass 20", "carbon_saving 2050"))]
    printer.result(table_text(wide[cols].reset_index(names="variant")))
    printer.say(f"wrote structural.csv, structural_spread.csv and structural.png to {args.out}")
    return EXIT_OK
