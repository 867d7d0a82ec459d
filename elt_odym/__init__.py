"""elt-odym: dynamic MFA of end-of-life trucks on flodym.

Public API (imported lazily, so importing the package has no side effects)::

    from . import run, load_data, write_outputs
    result = run(scenario="paper_calibrated")
"""

from .version import __version__

__all__ = ["run", "load_data", "write_outputs", "validate_data_dir", "ELTSystem",
           "__version__"]


def __getattr__(name: str):
    if name == "run":
        from .model import run
        return run
    if name in ("load_data", "validate_data_dir"):
        from . import data
        return getattr(data, name)
    if name == "write_outputs":
        from .reporting.outputs import write_outputs
        return write_outputs
    if name == "ELTSystem":
        from .system.mfa import ELTSystem
        return ELTSystem
    raise AttributeError(f"module 'elt_odym' has no attribute {name!r}")
