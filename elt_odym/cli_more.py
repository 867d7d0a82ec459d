"""Subcommands beyond the core: calibration and comparison with targets."""

from __future__ import annotations

from pathlib import Path


def add_subcommands(sub) -> None:
    """Register the extra subcommands on the ``elt-odym`` parser."""
    p = sub.add_parser("calibrate", help="fit free parameters to targets")
    p.add_argument("--targets", required=True, help="targets workbook with free_parameters")
    _common(p)
    p.set_defaults(func=cmd_calibrate)
    p = sub.add_parser("compare", help="compare results.csv with targets")
    p.add_argument("--results", required=True)
    p.add_argument("--targets", required=True)
    p.add_argument("--out", help="comparison CSV (default: comparison.csv beside results)")
    p.add_argument("--strict", action="store_true", help="exit 1 if a target fails")
    p.set_defaults(func=cmd_compare)
    _add_uncertainty(sub)


def _common(p) -> None:
    p.add_argument("--data", help="data folder (default: bundled)")
    p.add_argument("--scenario", help="scenario (default: the config's default)")
    p.add_argument("--out", required=True, help="new or empty output folder")
    p.add_argument("--force", action="store_true", help="allow a non-empty output folder")


def _add_uncertainty(sub) -> None:
    p = sub.add_parser("sensitivity", help="one-at-a-time sensitivity (lifetime, weight, ...)")
    _common(p)
    p.set_defaults(func=cmd_sensitivity)
    p = sub.add_parser("mc", help="Monte Carlo on the batched model")
    _common(p)
    p.add_argument("--draws", type=int, help="number of draws (default: config)")
    p.add_argument("--seed", type=int, help="random seed (default: config)")
    p.add_argument("--chunk", type=int, help="draws per chunk (default: config)")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.set_defaults(func=cmd_mc)
    p = sub.add_parser("sobol", help="Sobol indices (SALib) on the batched model")
    _common(p)
    p.add_argument("--n", type=int, default=1024, help="SALib base sample size (power of 2)")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=cmd_sobol)


def cmd_calibrate(args) -> int:
    """Fit free parameters to targets and write calibrated workbooks."""
    from .calibration import run_calibration

    table, residuals = run_calibration(args.targets, args.out, args.data, args.scenario,
                                       args.force, progress=True)
    print(table[["name", "item", "initial", "fitted"]].to_string(index=False))
    print(residuals[["target_id", "target", "model", "rel_error", "tolerance",
                     "status"]].to_string(index=False))
    print(f"wrote calibrated workbooks and residuals to {args.out}")
    return 0


def cmd_compare(args) -> int:
    """Compare a results.csv with a targets workbook."""
    import pandas as pd

    from .reporting.results import write_csv
    from .targets import compare, read_targets

    results = pd.read_csv(args.results, keep_default_na=False,
                          dtype={"truck_type": str, "material": str})
    results["value"] = pd.to_numeric(results["value"])
    table = compare(results, read_targets(args.targets))
    out = Path(args.out) if args.out else Path(args.results).with_name("comparison.csv")
    write_csv(table, out)
    cols = ["scenario", "target_id", "target", "model", "rel_error", "tolerance", "status"]
    print(table[cols].to_string(index=False, float_format=lambda v: f"{v:,.4g}"))
    n_fail = int((table["status"] != "pass").sum())
    print(f"{len(table) - n_fail} of {len(table)} targets pass; table written to {out}")
    return 1 if (n_fail and args.strict) else 0


def cmd_sensitivity(args) -> int:
    """One-at-a-time sensitivity: sensitivity.csv and sensitivity.png."""
    from .data import load_data
    from .reporting.outputs import prepare_out_dir
    from .reporting.results import write_csv
    from .uncertainty.sensitivity import fig_sensitivity, run_sensitivity

    out = prepare_out_dir(args.out, args.force)
    table = run_sensitivity(load_data(args.data, args.scenario))
    write_csv(table, out / "sensitivity.csv")
    fig_sensitivity(table, out / "sensitivity.png")
    part = table[(table.variable == "eol_mass") & (table.truck_type == "total")
                 & (table.year == 2050)]
    print("end-of-life weight 2050, relative change:")
    print(part[["parameter", "change", "rel_change"]].to_string(
        index=False, float_format=lambda v: f"{v:+.1%}"))
    print(f"wrote sensitivity.csv and sensitivity.png to {out}")
    return 0


def cmd_mc(args) -> int:
    """Monte Carlo: mc_summary.csv and the end-of-life weight distributions."""
    import time

    from .data import load_data
    from .reporting.outputs import prepare_out_dir
    from .reporting.results import write_csv
    from .uncertainty.montecarlo import fig_eol_distribution, run_mc

    out = prepare_out_dir(args.out, args.force)
    data = load_data(args.data, args.scenario)
    opts = data.config.uncertainty
    n, seed = args.draws or opts.draws, opts.seed if args.seed is None else args.seed
    start = time.perf_counter()
    result = run_mc(data, n, seed, chunk=args.chunk, progress=not args.no_progress)
    took = time.perf_counter() - start
    summary = result.summary()
    write_csv(summary, out / "mc_summary.csv")
    fig_eol_distribution(result, out / "mc_eol_weight.png")
    part = summary[(summary.variable.isin(["eol_mass", "carbon_saving"]))
                   & (summary.truck_type == "total") & (summary.material.isin(["", "total"]))
                   & (summary.year.isin([2010, 2020, 2030, 2050]))]
    print(f"{n} draws (seed {seed}) of scenario {data.scenario} in {took:.1f} s")
    print(part[["variable", "year", "mean", "std", "p05", "p50", "p95", "unit"]].to_string(
        index=False, float_format=lambda v: f"{v:,.4g}"))
    print(f"wrote mc_summary.csv and mc_eol_weight.png to {out}")
    return 0


def cmd_sobol(args) -> int:
    """Sobol indices: sobol.csv and sobol.png."""
    from .data import load_data
    from .reporting.outputs import prepare_out_dir
    from .reporting.results import write_csv
    from .uncertainty.sobol import fig_sobol, run_sobol

    out = prepare_out_dir(args.out, args.force)
    table = run_sobol(load_data(args.data, args.scenario), n=args.n, seed=args.seed)
    write_csv(table, out / "sobol.csv")
    fig_sobol(table, out / "sobol.png")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(f"wrote sobol.csv and sobol.png to {out}")
    return 0
