"""ODYM command: ``export-odym`` (a scenario as an ODYM project that ODYM's readers load)."""

from __future__ import annotations

from .common import EXIT_OK, Printer


def add_commands(sub, parent) -> None:
    """Register ``export-odym``."""
    p = sub.add_parser("export-odym", parents=[parent],
                       help="write a scenario as an ODYM project (config, master, parameters)")
    p.add_argument("dir", help="new or empty output folder, outside the data folder")
    p.add_argument("--data", help="data folder with config.toml (default: the bundled data)")
    p.add_argument("--scenario", help="scenario (default: the config's default_scenario)")
    p.add_argument("--force", action="store_true",
                   help="allow a non-empty output folder (files an earlier export wrote and "
                        "nobody changed since are replaced)")
    p.set_defaults(func=cmd_export_odym)


def cmd_export_odym(args, printer: Printer) -> int:
    """Export one scenario as an ODYM project; list what was written and what is absent."""
    from ..reporting.odym_export import export_odym

    project = export_odym(args.dir, args.data, args.scenario, force=args.force)
    printer.say(f"ODYM project in {project.folder}: configuration {project.config.name}, "
                f"master {project.master.name}, {len(project.parameters)} parameter workbooks "
                f"and manifest.json")
    for p in project.parameters:
        printer.say(f"  {p.name}: index {p.index_structure}, aspect order {p.aspect_order}")
    if project.absent:
        printer.say(f"  not exported (optional, no workbook in the data folder): "
                    f"{', '.join(project.absent)}")
    return EXIT_OK
