"""Subcommands beyond the core: calibration and comparison with targets."""

from __future__ import annotations

from pathlib import Path


def add_subcommands(sub) -> None:
    """Register the extra subcommands on the ``elt-odym`` parser."""
    p = sub.add_parser("calibrate", help="fit free parameters to targets")
    p.add_argument("--targets", required=True, help="targets workbook with free_parameters")
    p.add_argument("--out", required=True, help="new or empty folder for calibrated workbooks")
    p.add_argument("--data", help="data folder (default: bundled)")
    p.add_argument("--scenario", help="base scenario (default: the config's default)")
    p.add_argument("--force", action="store_true", help="allow a non-empty output folder")
    p.set_defaults(func=cmd_calibrate)
    p = sub.add_parser("compare", help="compare results.csv with targets")
    p.add_argument("--results", required=True)
    p.add_argument("--targets", required=True)
    p.add_argument("--out", help="comparison CSV (default: comparison.csv beside results)")
    p.add_argument("--strict", action="store_true", help="exit 1 if a target fails")
    p.set_defaults(func=cmd_compare)


def cmd_calibrate(args) -> int:
    """Fit free parameters to targets and write calibrated workbooks."""
    from .calibration import run_calibration

    table, residuals = run_calibration(args.targets, args.out, args.data, args.scenario,
                                       args.force)
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
