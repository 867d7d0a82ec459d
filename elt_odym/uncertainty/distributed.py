"""Monte Carlo and Sobol chunks as tasks on a Dask cluster (``dask.distributed``, optional).

``--workers N`` starts a local cluster of ``N`` worker processes on this machine, one thread
each; ``--scheduler tcp://host:8786`` joins an existing cluster (its workers need elt-odym
installed, the same version). A chunk is one task: it receives the scenario's arrays (sent
once, scattered to every worker), its range of draws and the seed, makes its own draws and
sends back moments and float32 values. Results are merged on the client in task order, so a
seed gives the same numbers in-process, on a local cluster or a remote one.

Install with ``pip install "elt-odym[distributed]"``.
"""

from __future__ import annotations

import logging
from collections import deque
from contextlib import contextmanager
from typing import Callable, Iterator

from ..errors import ConfigError

logger = logging.getLogger(__name__)


def _distributed():
    """The ``distributed`` package, or a :class:`ConfigError` saying how to get it."""
    try:
        import distributed
    except ImportError as err:  # pragma: no cover - the test extra installs it
        raise ConfigError("--workers and --scheduler need dask.distributed: "
                          "pip install 'elt-odym[distributed]'") from err
    return distributed


@contextmanager
def dask_client(workers: int | None = None, scheduler: str | None = None,
                processes: bool = True) -> Iterator:
    """A ``distributed.Client``: on the cluster at ``scheduler``, else on a new local cluster
    of ``workers`` single-threaded workers (processes, or threads if ``processes=False``)."""
    distributed = _distributed()
    if scheduler:
        client = distributed.Client(scheduler)
        try:
            yield client
        finally:
            client.close()
        return
    with distributed.LocalCluster(n_workers=workers or 1, threads_per_worker=1,
                                  processes=processes, dashboard_address=":0",
                                  silence_logs=logging.WARNING) as cluster, \
            distributed.Client(cluster) as client:
        yield client


def n_threads(client) -> int:
    """Threads of all the cluster's workers (at least 1)."""
    return max(1, sum(w.get("nthreads", 1)
                      for w in client.scheduler_info()["workers"].values()))


def submit_in_order(client, func: Callable, tasks: list[tuple]) -> Iterator:
    """``func(*task)`` for each task on the cluster, results in task order, at most twice the
    cluster's threads in flight. The first argument of every task (the shared model arrays)
    is scattered once to all workers."""
    if not tasks:
        return
    shared = client.scatter(tasks[0][0], broadcast=True)
    limit = 2 * n_threads(client)
    pending: deque = deque()
    for task in tasks:
        pending.append(client.submit(func, shared, *task[1:], pure=False))
        if len(pending) >= limit:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def map_in_order(client, func: Callable, ranges: list[tuple[int, int]]) -> Iterator:
    """``func(start, stop)`` for each range on the cluster, results in order, at most twice the
    cluster's threads in flight; ``func`` (holding the model's inputs) is scattered once."""
    if not ranges:
        return
    shared = client.scatter(func, broadcast=True)
    limit = 2 * n_threads(client)
    pending: deque = deque()
    for start, stop in ranges:
        pending.append(client.submit(_call, shared, start, stop, pure=False))
        if len(pending) >= limit:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def _call(func: Callable, start: int, stop: int):
    """``func(start, stop)`` (a module-level function, so that a worker can import it)."""
    return func(start, stop)
