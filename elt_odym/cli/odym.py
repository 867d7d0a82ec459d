"""ODYM command: ``export-odym`` (a scenario as an ODYM project that ODYM's readers load)."""

from __future__ import annotations

from pathlib import Path

from .common import EXIT_INPUT, EXIT_OK, Printer


def add_commands(sub, parent) -> None:
    """Register ``export-odym``."""
    p = sub.add_parser("export-odym", parents=[parent],
                       help="write a scenario as an ODYM project (config, master, parameters)")
    p.add_argument("dir", help="new or empty output folder")
    p.add_argument("--data", help="data folder with config.toml (default: the bundled data)")
    p.add_argument("--scenario", help="scenario (default: the config's default_scenario)")
    p.add_argument("--force", action="store_true", help="allow a non-empty output folder")
    p.set_defaults(func=cmd_export_odym)


def cmd_export_odym(args, printer: Printer) -> int:
    """Export one scenario as an ODYM project; list what was written."""
    from ..reporting.odym_export import export_odym

    target = Path(args.dir)
    if target.exists() and (not target.is_dir() or (any(target.iterdir()) and not args.force)):
        printer.warn(f"error: {target} exists and is not an empty folder; choose a new folder "
                     f"or add --force")
        return EXIT_INPUT
    project = export_odym(target, args.data, args.scenario)
    printer.say(f"ODYM project in {project.folder}: configuration {project.config.name}, "
                f"master {project.master.name}, {len(project.parameters)} parameter workbooks")
    for p in project.parameters:
        printer.say(f"  {p.name}: index {p.index_structure}, aspect order {p.aspect_order}")
    return EXIT_OK
