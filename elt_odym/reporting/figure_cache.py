"""Figures reused from the user's cache folder when what they are drawn from is unchanged.

A figure is a function of its inputs and of the code that draws it. :func:`png` hashes both
(:func:`figure_key`): the inputs as the bytes of exactly what the drawing function is given
(a :meth:`~elt_odym.reporting.figures.Indexed.restricted` view of the results, which refuses
any variable it was not given; a data frame; the plain values of a stock fit) and the code as
the source of the drawing modules, matplotlib's settings and the versions of matplotlib,
FreeType, Pillow, numpy and pandas. A figure whose key is in the cache
(:mod:`~elt_odym.io.user_cache`, checked by its hash) is copied, not drawn: drawing is
deterministic, so the bytes are those a drawing would give (``tests/test_output_files.py``
edits a workbook and compares every figure with one drawn afresh). After an edit of prices,
say, only the figures of the values are drawn again.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from ..io import user_cache

KIND = "figures"
KEEP = 400
"""Figures kept in the cache (some 100 MB at most)."""
DRAWING_MODULES = ("figures", "battery_figures", "validation", "figure_cache", "outputs")
"""Modules of :mod:`elt_odym.reporting` whose source is part of every figure's key."""


@lru_cache(maxsize=1)
def code_version() -> bytes:
    """The drawing code: the source of :data:`DRAWING_MODULES`, matplotlib's settings and the
    versions of the libraries that draw and encode."""
    import matplotlib
    import PIL
    from matplotlib import ft2font

    here = Path(__file__).parent
    sources = b"".join((here / f"{name}.py").read_bytes() for name in DRAWING_MODULES)
    settings = repr(sorted((k, repr(v)) for k, v in matplotlib.rcParams.items()))
    versions = repr((matplotlib.__version__, ft2font.__freetype_version__, PIL.__version__,
                     np.__version__, pd.__version__))
    return hashlib.sha256(sources + settings.encode() + versions.encode()).digest()


def frame_bytes(df: pd.DataFrame) -> bytes:
    """A data frame as bytes: its columns, dtypes, index and every value (numbers by their
    bits, other cells by ``repr``)."""
    parts = [repr([(str(c), str(t)) for c, t in df.dtypes.items()]).encode("utf-8"),
             repr(df.index.tolist()).encode("utf-8")]
    for i in range(df.shape[1]):
        values = df.iloc[:, i].to_numpy()
        parts.append(values.tobytes() if values.dtype.kind in "biuf"
                     else repr(values.tolist()).encode("utf-8"))
    return b"\0".join(parts)


def value_bytes(value: object) -> bytes:
    """Plain values (numbers, text, arrays, and lists, tuples and dicts of them) as bytes."""
    if isinstance(value, np.ndarray):
        return repr((value.dtype.str, value.shape)).encode() + value.tobytes()
    if isinstance(value, dict):
        return b"{" + b"\0".join(value_bytes(k) + b":" + value_bytes(v)
                                 for k, v in value.items()) + b"}"
    if isinstance(value, (list, tuple)):
        return b"[" + b"\0".join(value_bytes(v) for v in value) + b"]"
    if isinstance(value, (str, int, float, bool, type(None), np.generic)):
        return repr((type(value).__name__, value)).encode("utf-8")
    raise TypeError(f"no bytes for a {type(value).__name__}")


def figure_key(name: str, inputs: list[bytes]) -> str:
    """The hash of a figure's file name, its inputs and :func:`code_version`."""
    digest = hashlib.sha256(code_version() + name.encode("utf-8"))
    for part in inputs:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()[:32]


def png(path: Path, inputs: list[bytes], draw: Callable[[Path], None]) -> Path:
    """Write the figure ``path``: copied from the cache when a figure of the same name,
    ``inputs`` and code is there, else drawn by ``draw(path)`` and kept. Returns ``path``."""
    folder = user_cache.kind_folder(KIND)
    key = figure_key(Path(path).name, inputs) if folder is not None else ""
    data = user_cache.load(folder, key, "png")
    if data is None:
        draw(path)
        user_cache.store(folder, key, "png", Path(path).read_bytes(), keep=KEEP)
    else:
        Path(path).write_bytes(data)
    return path
