"""The layers of the package hold: import-linter's contracts in setup.cfg (no import runs back up
the pipeline, no import circles between sibling modules)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold():
    script = Path(sys.executable).parent / "lint-imports"
    done = subprocess.run([str(script), "--config", str(ROOT / "setup.cfg"), "--no-cache"],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "2 kept, 0 broken" in done.stdout
