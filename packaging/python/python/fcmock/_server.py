"""fcmock.Server: the fcmock binary as a child process on a free port, and its control API.

Only the standard library is used (subprocess, threading, urllib), so installing fcmock
adds no runtime dependency to a test environment.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import sysconfig
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import weakref
from pathlib import Path
from types import TracebackType
from typing import Any, Dict, List, Mapping, Optional, Sequence, Type, Union

__all__ = [
    "FcmockError",
    "Namespace",
    "Server",
    "new_api_key",
    "resolve_binary",
]

EXE = "fcmock.exe" if os.name == "nt" else "fcmock"
# fcmock logs `listening on http://127.0.0.1:PORT` on stderr once it has bound (text or
# JSON log format: the URL ends at whitespace or a quote either way).
LISTENING = re.compile(r"listening on (https?://[^\s\"',]+)")
# How much of fcmock's stderr is kept for error messages.
STDERR_KEEP = 64 * 1024


class FcmockError(RuntimeError):
    """fcmock failed to start, or a control-API call was refused.

    ``stderr`` holds what the server wrote (start-up failures), ``status`` and ``body`` the
    HTTP answer (control calls), so a test failure explains itself without a log file.
    """

    def __init__(
        self,
        message: str,
        *,
        stderr: Optional[str] = None,
        status: Optional[int] = None,
        body: Any = None,
        returncode: Optional[int] = None,
    ) -> None:
        super().__init__(message)
        self.stderr = stderr
        self.status = status
        self.body = body
        self.returncode = returncode


def new_api_key() -> str:
    """A fresh ``sk_test_…`` key. In fcmock every key is its own, empty namespace, so a
    new key is the cheapest way to isolate one test from another on a shared server."""
    return "sk_test_" + secrets.token_hex(12)


def _is_executable(path: Union[str, Path]) -> bool:
    p = Path(path)
    return p.is_file() and (os.name == "nt" or os.access(p, os.X_OK))


def _installed_binary() -> Optional[Path]:
    """The binary this package installed (maturin's ``bindings = "bin"`` puts it among the
    environment's scripts). Looked up through the distribution's RECORD first, which is
    right for venvs, ``--user`` and ``--prefix`` installs alike, then the scripts
    directories sysconfig knows and the interpreter's own directory."""
    try:
        from importlib import metadata

        dist = metadata.distribution("fcmock")
        for file in dist.files or ():
            if file.name == EXE:
                located = Path(str(dist.locate_file(file))).resolve()
                if _is_executable(located):
                    return located
    except Exception:  # noqa: BLE001 - metadata is a best-effort first guess
        pass
    dirs: List[str] = []
    for scheme in (None, f"{os.name}_user"):
        try:
            d = sysconfig.get_path("scripts") if scheme is None else sysconfig.get_path("scripts", scheme)
        except KeyError:
            continue
        if d:
            dirs.append(d)
    dirs.append(str(Path(sys.executable).parent))
    for d in dirs:
        candidate = Path(d) / EXE
        if _is_executable(candidate):
            return candidate
    return None


def resolve_binary() -> str:
    """Where the fcmock binary is: ``FCMOCK_BINARY``, else the one this package installed,
    else ``fcmock`` on ``PATH``. Raises FcmockError when there is none."""
    from_env = os.environ.get("FCMOCK_BINARY")
    if from_env:
        if not _is_executable(from_env):
            raise FcmockError(f"fcmock: FCMOCK_BINARY={from_env} is not an executable file")
        return from_env
    installed = _installed_binary()
    if installed is not None:
        return str(installed)
    on_path = shutil.which("fcmock")
    if on_path:
        return on_path
    raise FcmockError(
        "fcmock: no binary found: set FCMOCK_BINARY, reinstall the fcmock package "
        "(pip install fcmock builds it), or put fcmock on PATH"
    )


def _flag_args(flags: Mapping[str, Any]) -> List[str]:
    """``refresh_delay=5`` → ``--refresh-delay 5``; ``True`` → the bare flag; ``None`` and
    ``False`` → nothing. Unknown flags are passed on, so fcmock itself names the mistake."""
    args: List[str] = []
    for key, value in flags.items():
        if value is None or value is False:
            continue
        flag = "--" + key.replace("_", "-")
        if value is True:
            args.append(flag)
        elif isinstance(value, (list, tuple)):
            for v in value:
                args += [flag, str(v)]
        else:
            args += [flag, str(value)]
    return args


# Servers still running when the interpreter exits are stopped then: a test run that forgot
# (or crashed before) `stop()` must not leave fcmock processes behind.
_live: "weakref.WeakSet[Server]" = weakref.WeakSet()


def _stop_all() -> None:
    for server in list(_live):
        try:
            server.stop(grace=2.0)
        except Exception:  # noqa: BLE001 - exiting anyway
            pass


atexit.register(_stop_all)


class Server:
    """fcmock on a free port, as a context manager::

        with fcmock.Server(seed=42) as s:
            client = stripe.StripeClient(s.api_key, base_addresses={"api": s.url})

    ``__enter__`` (or ``start()``) runs the binary with ``--port 0``, reads the port from
    its ``listening on`` log line and returns once ``GET /_fcmock/health`` answers;
    ``__exit__`` (or ``stop()``) terminates it, and so does interpreter exit. A server that
    cannot start raises FcmockError carrying its stderr.

    Keyword options become fcmock flags (``seed=42`` → ``--seed 42``,
    ``refresh_delay="2s"`` → ``--refresh-delay 2s``, ``no_control_api=True`` →
    ``--no-control-api``); ``args`` appends raw arguments. ``api_key`` is both the key
    fcmock then requires and ``s.api_key``; ``control_token`` is sent on control calls.
    """

    def __init__(
        self,
        *,
        binary: Optional[str] = None,
        args: Sequence[str] = (),
        env: Optional[Mapping[str, str]] = None,
        start_timeout: float = 30.0,
        api_key: Optional[str] = None,
        control_token: Optional[str] = None,
        **flags: Any,
    ) -> None:
        if "port" in flags:
            raise TypeError("fcmock.Server always uses a free port; read s.url or s.port")
        self._binary = binary
        self._args = ["--port", "0"] + _flag_args(flags) + [str(a) for a in args]
        if api_key is not None:
            self._args += ["--api-key", api_key]
        if control_token is not None:
            self._args += ["--control-token", control_token]
        self._env = env
        self._start_timeout = start_timeout
        self._control_token = control_token
        #: The default test key (fresh unless ``api_key`` was given); its own namespace.
        self.api_key: str = api_key or new_api_key()
        #: Base URL, e.g. ``http://127.0.0.1:41234`` (no trailing slash); set by start().
        self.url: str = ""
        self.host: str = ""
        self.port: int = 0
        self.process: Optional[subprocess.Popen] = None
        self._stderr = ""
        self._stderr_lock = threading.Lock()
        self._listening = threading.Event()
        self._reader: Optional[threading.Thread] = None

    # ------------------------------------------------------------ life cycle

    def __enter__(self) -> "Server":
        return self.start()

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.stop()

    @property
    def binary(self) -> str:
        """The binary this server runs (resolved on first use)."""
        if self._binary is None:
            self._binary = resolve_binary()
        return self._binary

    @property
    def pid(self) -> Optional[int]:
        return self.process.pid if self.process else None

    def stderr(self) -> str:
        """What fcmock has written on stderr so far (the last 64 KiB)."""
        with self._stderr_lock:
            return self._stderr

    def start(self) -> "Server":
        """Starts fcmock and returns once it is healthy; FcmockError with its stderr if not."""
        if self.process is not None:
            raise FcmockError("fcmock: this Server was already started")
        binary = self.binary
        env = dict(os.environ)
        # The listening line is logged at INFO; a quieter inherited FCMOCK_LOG would hide it,
        # and an inherited FCMOCK_PORT must not override --port 0.
        env.pop("FCMOCK_LOG", None)
        env.pop("FCMOCK_PORT", None)
        env.update(self._env or {})
        try:
            self.process = subprocess.Popen(
                [binary, *self._args],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env=env,
            )
        except OSError as e:
            raise FcmockError(f"fcmock could not be started ({binary}): {e}") from e
        _live.add(self)
        self._reader = threading.Thread(target=self._read_stderr, name="fcmock-stderr", daemon=True)
        self._reader.start()
        try:
            self._wait_healthy(time.monotonic() + self._start_timeout)
        except BaseException:
            self.stop(grace=0)
            raise
        return self

    def _read_stderr(self) -> None:
        """Keeps the pipe drained (a full pipe would block fcmock) and the tail for errors;
        sets ``url`` from the first listening line."""
        assert self.process is not None and self.process.stderr is not None
        for raw in iter(self.process.stderr.readline, b""):
            line = raw.decode("utf-8", "replace")
            with self._stderr_lock:
                self._stderr = (self._stderr + line)[-STDERR_KEEP:]
            if not self._listening.is_set():
                m = LISTENING.search(line)
                if m:
                    self.url = m.group(1).rstrip("/")
                    parsed = urllib.parse.urlsplit(self.url)
                    self.host = parsed.hostname or ""
                    self.port = parsed.port or 0
                    self._listening.set()
        self.process.stderr.close()

    def _fail(self, message: str) -> FcmockError:
        if self._reader is not None and self.process is not None and self.process.poll() is not None:
            self._reader.join(timeout=2)  # the last words of a process that exited
        text = self.stderr().strip()
        return FcmockError(
            message + (f":\n{text}" if text else ""),
            stderr=self.stderr(),
            returncode=self.process.poll() if self.process else None,
        )

    def _wait_healthy(self, deadline: float) -> None:
        assert self.process is not None
        last: Optional[BaseException] = None
        while time.monotonic() < deadline:
            code = self.process.poll()
            if code is not None:
                raise self._fail(f"fcmock exited during start-up (exit code {code})")
            if self._listening.wait(timeout=0.05):
                try:
                    with urllib.request.urlopen(self.url + "/_fcmock/health", timeout=2) as resp:
                        if resp.status == 200:
                            return
                except (urllib.error.URLError, OSError) as e:
                    last = e
                time.sleep(0.025)
        if self._listening.is_set():
            raise self._fail(f"fcmock at {self.url} never answered /_fcmock/health ({last})")
        raise self._fail(f"fcmock did not log its listening address within {self._start_timeout} s")

    def stop(self, grace: float = 5.0) -> Optional[int]:
        """Stops fcmock (SIGTERM, then SIGKILL after ``grace`` seconds), waits for it and
        returns its exit code. Calling it again is harmless."""
        _live.discard(self)
        proc = self.process
        if proc is None:
            return None
        if proc.poll() is None:
            try:
                proc.terminate()
                proc.wait(timeout=grace if grace > 0 else 0.001)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            except OSError:
                pass
        if self._reader is not None:
            self._reader.join(timeout=2)
        return proc.returncode

    def running(self) -> bool:
        """Whether the fcmock process is still alive."""
        return self.process is not None and self.process.poll() is None

    # ------------------------------------------------------------ control API

    def new_api_key(self) -> str:
        """Another fresh ``sk_test_…`` key (a new, empty namespace); ``s.api_key`` stays."""
        return new_api_key()

    def namespace(self, api_key: Optional[str] = None) -> "Namespace":
        """A handle whose helpers are bound to one key (fresh unless given): what the
        pytest ``fcmock`` fixture hands each test."""
        return Namespace(self, api_key or new_api_key())

    def control(self, method: str, path: str, body: Any = None) -> Any:
        """Any control-API call, e.g. ``control("GET", "/_fcmock/clock")`` → parsed JSON.
        A non-2xx answer raises FcmockError with the status and fcmock's error message."""
        if not self.url:
            raise FcmockError("fcmock: the server is not started")
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if self._control_token:
            headers["Authorization"] = f"Bearer {self._control_token}"
        req = urllib.request.Request(self.url + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                text = resp.read().decode("utf-8")
        except urllib.error.HTTPError as e:
            text = e.read().decode("utf-8", "replace")
            try:
                parsed: Any = json.loads(text)
                detail = parsed["error"]["message"]
            except (ValueError, KeyError, TypeError):
                parsed, detail = text, text
            raise FcmockError(
                f"fcmock: {method} {path} → {e.code}: {detail}", status=e.code, body=parsed
            ) from None
        try:
            return json.loads(text) if text else None
        except ValueError:
            return text

    def complete_session(self, session_id: str, outcome: str = "success", **options: Any) -> Dict[str, Any]:
        """``POST /_fcmock/sessions/{id}/complete``: what the user would do on the hosted
        page, headless. ``options`` are the body's other fields (``institution``,
        ``accounts=["success", "savings"]``, ``failure="login_failed"``) → the session."""
        path = f"/_fcmock/sessions/{urllib.parse.quote(session_id, safe='')}/complete"
        return self.control("POST", path, {"outcome": outcome, **options})

    def queue(self, outcome: Optional[str] = None, **options: Any) -> Dict[str, Any]:
        """``POST /_fcmock/scenarios``: the outcome of the next session(s)
        (``count``, ``accounts``, ``auto_complete``, ``api_key``, …), or ``name=`` a scenario
        file such as ``"link_success"`` → the queue entry."""
        body: Dict[str, Any] = dict(options)
        if outcome is not None or "name" not in body:
            body["outcome"] = outcome or "success"
        return self.control("POST", "/_fcmock/scenarios", body)

    def settle_refreshes(self) -> int:
        """``POST /_fcmock/refreshes/settle``: settles every pending refresh now (instead of
        waiting for ``--refresh-delay``) → how many settled."""
        return int(self.control("POST", "/_fcmock/refreshes/settle", {})["settled"])

    def advance_clock(self, seconds: int) -> Dict[str, Any]:
        """``POST /_fcmock/clock {advance_seconds}``: moves mock time (refresh cooldowns,
        ``created``, daily transaction refreshes) instead of sleeping → ``{now, frozen}``.
        The clock is the server's, shared by every key."""
        return self.control("POST", "/_fcmock/clock", {"advance_seconds": seconds})

    def clock(self) -> Dict[str, Any]:
        """``GET /_fcmock/clock`` → ``{now, frozen}``."""
        return self.control("GET", "/_fcmock/clock")

    def requests(
        self, api_key: Optional[str] = None, path: Optional[str] = None, limit: Optional[int] = None
    ) -> List[Dict[str, Any]]:
        """``GET /_fcmock/requests``: the Stripe API requests fcmock logged, newest last
        (only ``api_key``'s, only under ``path``, the last ``limit``)."""
        query = {k: v for k, v in (("api_key", api_key), ("path", path), ("limit", limit)) if v is not None}
        qs = ("?" + urllib.parse.urlencode(query)) if query else ""
        return self.control("GET", "/_fcmock/requests" + qs)["data"]

    def reset(self, api_key: Optional[str] = None) -> Any:
        """``POST /_fcmock/reset``: empties ``api_key``'s objects, scenarios, faults and
        logged requests, or everything when no key is given (the clock stays)."""
        return self.control("POST", "/_fcmock/reset", {"api_key": api_key} if api_key else {})

    def __repr__(self) -> str:
        state = "running" if self.running() else "stopped"
        return f"<fcmock.Server {self.url or '(not started)'} {state}>"


class Namespace:
    """One key's view of a shared Server: ``url``, ``api_key`` and the control helpers
    bound to that key (scenarios, the request log and reset touch only its namespace).

    Tests sharing one server each get their own, so they cannot see each other's customers,
    sessions or queued outcomes, and starting fcmock once per session stays safe.
    ``settle_refreshes`` and ``advance_clock`` act on the whole server: fcmock has one clock
    and one refresh timer.
    """

    def __init__(self, server: Server, api_key: str) -> None:
        self.server = server
        self.api_key = api_key

    @property
    def url(self) -> str:
        return self.server.url

    def new_api_key(self) -> str:
        """Another fresh key (a second namespace within the same test)."""
        return new_api_key()

    def complete_session(self, session_id: str, outcome: str = "success", **options: Any) -> Dict[str, Any]:
        """See Server.complete_session (session ids are unique across keys)."""
        return self.server.complete_session(session_id, outcome, **options)

    def queue(self, outcome: Optional[str] = None, **options: Any) -> Dict[str, Any]:
        """See Server.queue; only this key's next sessions take the outcome."""
        options.setdefault("api_key", self.api_key)
        return self.server.queue(outcome, **options)

    def settle_refreshes(self) -> int:
        """See Server.settle_refreshes (server-wide)."""
        return self.server.settle_refreshes()

    def advance_clock(self, seconds: int) -> Dict[str, Any]:
        """See Server.advance_clock (server-wide: one clock)."""
        return self.server.advance_clock(seconds)

    def clock(self) -> Dict[str, Any]:
        return self.server.clock()

    def requests(self, path: Optional[str] = None, limit: Optional[int] = None) -> List[Dict[str, Any]]:
        """This key's logged Stripe API requests, newest last."""
        return self.server.requests(api_key=self.api_key, path=path, limit=limit)

    def reset(self) -> Any:
        """Empties this key's namespace only."""
        return self.server.reset(self.api_key)

    def control(self, method: str, path: str, body: Any = None) -> Any:
        return self.server.control(method, path, body)

    def __repr__(self) -> str:
        return f"<fcmock.Namespace {self.url} {self.api_key[:12]}…>"
