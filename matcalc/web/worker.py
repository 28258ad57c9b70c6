"""A pool of worker processes that compute API requests under a time limit and a memory limit.

The server never computes a derivative itself: each request goes to an idle
worker, a ``python -m matcalc.web.worker`` child process, as one line of JSON
on its standard input; the answer comes back on its standard output as a line
``STATUS REPLACE SECONDS`` and a line of JSON.  A worker that has not answered within
`Limits.seconds` is killed and replaced (the request gets a 422 saying the
limit was hit).  A worker caps its own address space with ``RLIMIT_AS`` at
its size at rest plus `Limits.memory` bytes, so a blowup ends in a
``MemoryError`` or in the worker's death, never in the server's.  A request
waits for a worker at most `Limits.wait` seconds and at most `Limits.queue`
requests wait at once; beyond that the answer is 503.  Replacements start in
the background and join the pool once they have imported matcalc, so no
request is charged for a worker's start-up.

The workers are fresh interpreters started with `asyncio.create_subprocess_exec`:
not forks of a server that has threads, and no ``multiprocessing`` re-import
of the server's main module.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from dataclasses import dataclass

from matcalc.limits import DEFAULT_WORK, limits

__all__ = ["Limits", "Reply", "WorkerPool"]

#: What a worker prints once it is ready for requests.
_READY = b"ready\n"
#: Longest wait for a new worker to import matcalc and say it is ready.
_START_TIMEOUT = 120.0
#: Largest answer a worker sends, in bytes.
MAX_ANSWER = 16 << 20


@dataclass(frozen=True, slots=True)
class Limits:
    """The limits each request is computed under.

    Attributes:
        seconds: wall-clock time a request may compute before its worker is killed.
        memory: bytes of address space a worker may add to its size at rest.
        workers: number of worker processes.
        queue: most requests waiting for a worker at once (beyond: 503).
        wait: longest wait for a free worker, in seconds (beyond: 503).
        work: units of symbolic work a request may use (`matcalc.limits`; beyond: 422 LimitError).
    """

    seconds: float = 5.0
    memory: int = 1 << 30
    workers: int = 2
    queue: int = 64
    wait: float = 30.0
    work: int = DEFAULT_WORK


@dataclass(frozen=True, slots=True)
class Reply:
    """A worker's answer.

    Attributes:
        status: the HTTP status.
        body: the JSON body, encoded.
        replaced: whether the worker was (or must be) replaced.
        seconds: how long the worker computed (None when it did not answer).
    """

    status: int
    body: bytes
    replaced: bool = False
    seconds: float | None = None


def error_body(kind: str, message: str) -> bytes:
    """The JSON body of an error that has no field or position."""
    error = {"type": kind, "message": message, "field": None, "position": None}
    return json.dumps({"error": error}).encode()


# ---- the worker process ----------------------------------------------------------------


def _address_space() -> int:
    """This process's virtual memory size in bytes (0 where /proc is missing)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _limit_memory(extra: int) -> None:
    """Cap this process's address space at its current size plus ``extra`` bytes (Unix only)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not on Unix
        return
    limit = _address_space() + extra
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _answer(line: bytes) -> tuple[int, bytes, bool]:
    """Run the task of one request line; every outcome becomes an answer (a worker never raises)."""
    from matcalc.web.service import RequestError, handle

    try:
        job = json.loads(line)
        body = json.dumps(handle(job["task"], job["request"]), allow_nan=False).encode()
    except RequestError as exc:
        return exc.status, json.dumps(exc.to_json()).encode(), False
    except MemoryError:
        return 422, error_body("MemoryLimit", "the computation exceeded its memory limit"), True
    except RecursionError:
        return 422, error_body("RecursionLimit", "the expression is nested too deeply to compute"), True
    except Exception as exc:  # a bug in matcalc: say so, keep serving
        return 500, error_body("InternalError", f"matcalc failed: {type(exc).__name__}: {exc}"), True
    if len(body) > MAX_ANSWER:
        return 422, error_body("AnswerTooLarge", f"the answer is larger than {MAX_ANSWER >> 20} MiB"), False
    return 200, body, False


def _work(memory: int, work: int = DEFAULT_WORK) -> None:
    """The worker's loop: answer request lines from stdin until it closes, each within ``work`` units."""
    import matcalc.web.service  # noqa: F401 - import before measuring the size at rest

    with limits(work=work):
        _loop(memory)


def _loop(memory: int) -> None:
    _limit_memory(memory)
    out = sys.stdout.buffer
    try:
        out.write(_READY)
        out.flush()
        for line in sys.stdin.buffer:
            start = time.perf_counter()
            status, body, stop = _answer(line)
            out.write(b"%d %d %.6f\n%s\n" % (status, stop, time.perf_counter() - start, body))
            out.flush()
            if stop:
                return
    except BrokenPipeError:  # the server stopped (or gave up on this worker)
        return


# ---- the server side ---------------------------------------------------------------------


class _Worker:
    """One worker process and the server's ends of its pipes."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @classmethod
    async def start(cls, memory: int, work: int = DEFAULT_WORK) -> _Worker | None:
        """A new worker, once it is ready (None if it could not start)."""
        env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "matcalc.web.worker",
            str(memory),
            str(work),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            env=env,
            limit=MAX_ANSWER + 1024,
        )
        worker = cls(process)
        assert process.stdout is not None
        try:
            ready = await asyncio.wait_for(process.stdout.readline(), _START_TIMEOUT)
        except TimeoutError:
            ready = b""
        if ready != _READY:
            await worker.stop()
            return None
        return worker

    async def call(self, task: str, request: object, seconds: float) -> Reply:
        """Send a request and wait for the answer.

        Raises:
            TimeoutError: no answer within ``seconds``.
            EOFError: the worker died.
        """
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps({"task": task, "request": request}).encode() + b"\n")

        async def receive() -> Reply:
            assert self.process.stdout is not None
            head = (await self.process.stdout.readline()).split()
            body = await self.process.stdout.readline()
            if len(head) != 3 or not body.endswith(b"\n"):
                raise EOFError
            return Reply(int(head[0]), body[:-1], head[1] == b"1", float(head[2]))

        await self.process.stdin.drain()
        return await asyncio.wait_for(receive(), seconds)

    async def stop(self) -> None:
        """Kill the process and wait for it."""
        if self.process.returncode is None:
            self.process.kill()
        await self.process.wait()


class WorkerPool:
    """Worker processes shared by the requests of a server; see the module docstring."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._idle: asyncio.Queue[_Worker] = asyncio.Queue()
        self._all: set[_Worker] = set()
        self._waiting = 0
        self._starting: set[asyncio.Task[None]] = set()
        #: Workers killed or replaced since the start.
        self.replaced = 0

    async def start(self) -> None:
        """Start the workers and wait until they are ready."""
        await asyncio.gather(*(self._add_worker() for _ in range(self.limits.workers)))
        if not self._all:
            raise RuntimeError("no worker process could start: is matcalc importable?")

    async def stop(self) -> None:
        """Stop every worker."""
        for task in list(self._starting):
            task.cancel()
        await asyncio.gather(*(worker.stop() for worker in self._all))
        self._all.clear()

    def status(self) -> dict[str, int]:
        """Counts of workers, idle workers, waiting requests and replaced workers."""
        return {
            "workers": len(self._all),
            "idle": self._idle.qsize(),
            "waiting": self._waiting,
            "replaced": self.replaced,
        }

    async def _add_worker(self) -> None:
        worker = await _Worker.start(self.limits.memory, self.limits.work)
        if worker is not None:
            self._all.add(worker)
            self._idle.put_nowait(worker)

    def _replace(self, worker: _Worker) -> None:
        """Kill ``worker`` and start another in the background."""
        self.replaced += 1
        self._all.discard(worker)
        task = asyncio.get_running_loop().create_task(self._swap(worker))
        self._starting.add(task)
        task.add_done_callback(self._starting.discard)

    async def _swap(self, worker: _Worker) -> None:
        await worker.stop()
        await self._add_worker()

    async def _acquire(self) -> _Worker | None:
        if self._waiting >= self.limits.queue:
            return None
        self._waiting += 1
        try:
            return await asyncio.wait_for(self._idle.get(), self.limits.wait)
        except TimeoutError:
            return None
        finally:
            self._waiting -= 1

    async def run(self, task: str, request: object) -> Reply:
        """Compute ``task`` on ``request`` in a worker."""
        worker = await self._acquire()
        if worker is None:
            return Reply(503, error_body("ServerBusy", "the server is busy; try again in a moment"))
        try:
            reply = await worker.call(task, request, self.limits.seconds)
        except TimeoutError:
            self._replace(worker)
            message = f"the computation exceeded its time limit of {self.limits.seconds:g} s and was stopped"
            return Reply(422, error_body("TimeLimit", message), True)
        except (EOFError, OSError, ValueError, asyncio.LimitOverrunError):
            self._replace(worker)
            message = "the computation stopped its worker process (most likely at its memory limit)"
            return Reply(422, error_body("MemoryLimit", message), True)
        except asyncio.CancelledError:  # the client went away while the worker computes
            self._replace(worker)
            raise
        if reply.replaced:
            self._replace(worker)
        else:
            self._idle.put_nowait(worker)
        return reply


if __name__ == "__main__":
    _work(int(sys.argv[1]), int(sys.argv[2]))
