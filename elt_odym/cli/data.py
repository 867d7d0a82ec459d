"""Data commands: ``init`` (a private copy of the workbooks), ``validate``, ``scenarios``."""

from __future__ import annotations

import shutil
from pathlib import Path

from .common import EXIT_CHECK, EXIT_INPUT, EXIT_OK, Printer, add_data_args


def add_commands(sub, parent) -> None:
    """Register ``init``, ``validate`` and ``scenarios``."""
    p = sub.add_parser("init", parents=[parent], help="copy the bundled workbooks into DIR")
    p.add_argument("dir")
    p.set_defaults(func=cmd_init)
    p = sub.add_parser("validate", parents=[parent],
                       help="check every workbook and the configuration, list every problem")
    add_data_args(p, scenario=False, out=False)
    p.set_defaults(func=cmd_validate)
    p = sub.add_parser("scenarios", parents=[parent], help="list the scenarios of a data folder",
                       description="List the scenarios of a data folder; with --files, the "
                                   "workbook each parameter of a scenario is read from, and "
                                   "why (its own files entry, inherited, or the default path).")
    add_data_args(p, out=False)
    p.add_argument("--files", action="store_true",
                   help="list the workbook each parameter of the scenario is read from")
    p.set_defaults(func=cmd_scenarios)


def cmd_init(args, printer: Printer) -> int:
    """Copy the bundled classification and datasets into a folder to edit in Excel."""
    from ..paths import bundled_root

    target = Path(args.dir)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        printer.warn(f"error: {target} exists and is not an empty folder; choose a new folder")
        return EXIT_INPUT
    root = bundled_root()
    for sub in ("classification", "datasets"):
        shutil.copytree(root / sub, target / sub)
    printer.say(f"copied classification/ and datasets/ to {target}")
    printer.say(f"edit the workbooks, then: elt-odym validate --data {target} && "
                f"elt-odym run --data {target} --out results")
    return EXIT_OK


def cmd_validate(args, printer: Printer) -> int:
    """Validate the configuration and every workbook of every scenario; list all problems and
    warn (standard error) of edits that do nothing."""
    from ..config import load_config
    from ..data import validate_data_dir
    from ..paths import bundled_data_dir

    config = load_config(args.data or bundled_data_dir())
    problems = validate_data_dir(config=config)
    warn_edits(printer, config, config.scenario_names())
    if problems:
        printer.result(f"{len(problems)} problem(s):")
        for p in problems:
            printer.result(f"  - {p}")
        return EXIT_CHECK
    printer.result("all workbooks are valid")
    return EXIT_OK


def warn_edits(printer: Printer, config, scenarios: list[str]) -> None:
    """One ``warning:`` line per edit that does nothing in ``scenarios``
    (:func:`~elt_odym.scenario_files.edit_warnings`)."""
    from ..errors import ConfigError
    from ..scenario_files import edit_warnings

    try:
        lines = edit_warnings(config, scenarios)
    except (ConfigError, OSError):  # a broken scenario is reported by the command itself
        return
    for line in lines:
        printer.warn(f"warning: {line}")


def cmd_scenarios(args, printer: Printer) -> int:
    """Print every scenario with what it inherits and its description; with ``--files``, the
    workbook each parameter of one scenario is read from."""
    from ..config import load_config
    from ..paths import bundled_data_dir

    config = load_config(args.data or bundled_data_dir())
    if args.files:
        return _print_files(printer, config, args.scenario)
    if args.scenario:
        config.resolve(args.scenario)  # an unknown scenario is an error, not an empty list
    for name, sc in config.scenarios.items():
        if args.scenario and name != args.scenario:
            continue
        mark = " (default)" if name == config.default_scenario else ""
        base = f" [inherits {sc.inherit}]" if sc.inherit else ""
        printer.result(f"{name}{mark}{base}: {sc.description}")
    return EXIT_OK


def _print_files(printer: Printer, config, scenario: str | None) -> int:
    """``scenarios --files``: parameter, workbook and why, for one scenario."""
    from ..scenario_files import sources_rows

    name, _, _ = config.resolve(scenario)
    rows = sources_rows(config, name)
    printer.result(f"scenario {name}: the workbook of each parameter (paths relative to "
                   f"{config.data_dir.name}/)")
    widths = {k: max(len(k), *(len(r[k]) for r in rows)) for k in rows[0]}
    for row in [dict(zip(widths, widths))] + rows:
        printer.result("  ".join(row[k].ljust(w) for k, w in widths.items()).rstrip())
    return EXIT_OK
