"""Long runs as jobs: ``202 Accepted`` with a status URL, the answer there when done.

Jobs run in a small pool of worker threads of the server process and are kept in memory
(the last ``keep`` of them): a restart forgets them, which is fine for a local server whose
answers are recomputed in seconds to minutes.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from econsec.web.problems import Problem, from_error


@dataclass
class Job:
    """One job's state (``queued``, ``running``, ``done`` or ``failed``)."""

    id: str
    kind: str
    status: str = "queued"
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    result: Any = None
    problem: dict[str, Any] | None = None

    def view(self, base: str) -> dict[str, Any]:
        """Return the job as the status URL answers it."""
        now = self.finished or time.time()
        out: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind,
            "status": self.status,
            "url": f"{base}/api/v1/jobs/{self.id}",
            "elapsed_s": round(now - (self.started or self.created), 3),
        }
        if self.status == "done":
            out["result"] = self.result
        if self.problem is not None:
            out["problem"] = self.problem
        return out


class Jobs:
    """The server's jobs (see the module docstring)."""

    def __init__(self, workers: int = 2, keep: int = 200) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="econsec-job")
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._keep = keep

    def submit(self, kind: str, fn: Callable[[], Any]) -> Job:
        """Queue ``fn`` and return its job."""
        job = Job(id=uuid.uuid4().hex, kind=kind)
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > self._keep:
                self._jobs.popitem(last=False)
        self._pool.submit(self._run, job, fn)
        return job

    def _run(self, job: Job, fn: Callable[[], Any]) -> None:
        job.status, job.started = "running", time.time()
        try:
            job.result = fn()
            job.status = "done"
        except Problem as p:
            job.problem, job.status = p.document(), "failed"
        except Exception as e:  # the client reads the problem at the status URL
            job.problem, job.status = from_error(e).document(), "failed"
        finally:
            job.finished = time.time()

    def get(self, job_id: str) -> Job:
        """Return the job called ``job_id``; a 404 problem when there is none."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise Problem(404, f"no job {job_id!r} (jobs are kept until the server restarts)")
        return job

    def shutdown(self) -> None:
        """Stop taking jobs (running ones finish)."""
        self._pool.shutdown(wait=False, cancel_futures=True)
