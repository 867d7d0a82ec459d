"""``python -m elt_odym.cli``: the same as the ``elt-odym`` command."""

import sys

from . import main

sys.exit(main())
