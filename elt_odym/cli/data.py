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
    p = sub.add_parser("scenarios", parents=[parent], help="list the scenarios of a data folder")
    add_data_args(p, scenario=False, out=False)
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
    """Validate the configuration and every workbook of every scenario; list all problems."""
    from ..data import validate_data_dir

    problems = validate_data_dir(args.data)
    if problems:
        printer.result(f"{len(problems)} problem(s):")
        for p in problems:
            printer.result(f"  - {p}")
        return EXIT_CHECK
    printer.result("all workbooks are valid")
    return EXIT_OK


def cmd_scenarios(args, printer: Printer) -> int:
    """Print every scenario with what it inherits and its description."""
    from ..config import load_config
    from ..paths import bundled_data_dir

    config = load_config(args.data or bundled_data_dir())
    for name, sc in config.scenarios.items():
        mark = " (default)" if name == config.default_scenario else ""
        base = f" [inherits {sc.inherit}]" if sc.inherit else ""
        printer.result(f"{name}{mark}{base}: {sc.description}")
    return EXIT_OK
