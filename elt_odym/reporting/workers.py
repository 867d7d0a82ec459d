"""Independent jobs (a scenario's run, a figure) in parallel processes, results in order.

On Linux the workers are forked: each starts with the parent's modules and data already in
memory (nothing is imported or read again, and a job may be any callable, a closure
included); a worker takes the next job from a queue as soon as it is free, and sends back its
result (which must pickle). Where forking is not available, or with one process, the jobs run
one after another in the calling process, with the same results.

A failing job stops the others; its exception is raised in the parent (or, if it does not
pickle, a :class:`WorkerError` with its text).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import sys
import traceback
from typing import Any, Callable, Sequence

log = logging.getLogger(__name__)


class WorkerError(RuntimeError):
    """A job failed in a worker and its exception could not be sent back as it was."""


def available_processes() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    """Whether jobs can run in forked workers (Linux; elsewhere forking is unsafe)."""
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def _worker(jobs: Sequence[Callable[[], Any]], todo, done) -> None:
    """Run jobs by index from ``todo`` until it yields ``None``; send ``(i, ok, value)``."""
    while (i := todo.get()) is not None:
        try:
            done.put((i, True, jobs[i]()))
        except BaseException as exc:  # noqa: BLE001 - every failure goes back to the parent
            try:
                done.put((i, False, exc))
            except Exception:  # noqa: BLE001 - the exception does not pickle: send its text
                done.put((i, False, WorkerError("".join(traceback.format_exception(exc)))))
            return


class Workers:
    """Jobs started in forked workers at once; :meth:`results` waits for them.

    Parameters
    ----------
    jobs : sequence of callables
        Each called without arguments; its return value must pickle.
    processes : int
        Workers to fork (at most one per job); 1 (or no fork) runs the jobs in :meth:`results`.
    on_done : callable, optional
        Called with the index of each job when it finishes (a progress bar).
    """

    def __init__(self, jobs: Sequence[Callable[[], Any]], processes: int,
                 on_done: Callable[[int], None] | None = None):
        self.jobs, self.on_done = list(jobs), on_done or (lambda i: None)
        self.processes = max(1, min(processes, len(self.jobs)))
        self._procs: list = []
        if self.processes > 1 and can_fork():
            self._start()

    def _start(self) -> None:
        ctx = multiprocessing.get_context("fork")
        self._todo, self._done = ctx.SimpleQueue(), ctx.Queue()
        for i in range(len(self.jobs)):
            self._todo.put(i)
        for _ in range(self.processes):
            self._todo.put(None)
        for _ in range(self.processes):
            proc = ctx.Process(target=_worker, args=(self.jobs, self._todo, self._done),
                               daemon=True)
            proc.start()
            self._procs.append(proc)
        log.info("%d jobs on %d forked workers", len(self.jobs), self.processes)

    def results(self) -> list:
        """The jobs' return values in the order of the jobs."""
        if not self._procs:
            out = []
            for i, job in enumerate(self.jobs):
                out.append(job())
                self.on_done(i)
            return out
        values: dict[int, Any] = {}
        try:
            while len(values) < len(self.jobs):
                i, ok, value = self._next()
                if not ok:
                    raise value
                values[i] = value
                self.on_done(i)
        finally:
            self.close()
        return [values[i] for i in range(len(self.jobs))]

    def _next(self) -> tuple:
        """The next finished job; a worker that died without a result is an error."""
        while True:
            try:
                return self._done.get(timeout=0.5)
            except queue.Empty:
                dead = [p for p in self._procs if not p.is_alive() and p.exitcode != 0]
                if dead:
                    raise WorkerError(f"a worker ended without a result (exit code "
                                      f"{dead[0].exitcode})") from None

    def close(self) -> None:
        """Stop the workers (a job still running is ended)."""
        for proc in self._procs:
            if proc.is_alive():
                proc.terminate()
        for proc in self._procs:
            proc.join()
        self._procs = []


def run_all(jobs: Sequence[Callable[[], Any]], processes: int,
            on_done: Callable[[int], None] | None = None) -> list:
    """Run ``jobs`` on up to ``processes`` forked workers; their results in order."""
    return Workers(jobs, processes, on_done).results()
