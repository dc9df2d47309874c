"""A real painpath server for tests that need one: gunicorn (several worker processes, each
with threads) or the task worker, started as subprocesses with DEBUG off against a database
of their own, plus a small cookie-keeping HTTP client that reads CSRF tokens from the forms.

Used by the concurrency and fault tests (tests/web/test_concurrency.py, test_faults.py)::

    with fresh_database(vendor) as url:
        env = server_env(url, tmp_path)
        run_django("from django.core.management import call_command; call_command('migrate')", env)
        with Gunicorn(env) as server:
            browser = Browser(server.url)
            browser.get("/health/")

Every process is started in a session of its own, so that ``kill()`` (SIGKILL to the whole
process group: the master and its workers at once) simulates a crash.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


def server_env(database_url: str, var_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a production-like server: DEBUG off, its own secrets, plain HTTP on
    127.0.0.1 (no TLS redirect, cookies not marked secure), the given database."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTEST_", "DATABASE_URL"))
    }
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        PAINPATH_FIELD_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        SECURE_HSTS_SECONDS="0",
        DATABASE_URL=database_url,
        PAINPATH_VAR_DIR=str(var_dir),
        DJANGO_SETTINGS_MODULE="tests.live_settings",
        PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p),
    )
    env.update(extra)
    return env


def run_django(code: str, env: Mapping[str, str], timeout: float = 120) -> Any:
    """Run ``code`` in a fresh Python process with Django set up in ``env``; whatever it
    assigns to ``result`` comes back (through JSON)."""
    script = (
        "import json, django\ndjango.setup()\nresult = None\n"
        + code
        + "\nprint('\\n@@result@@' + json.dumps(result, default=str))\n"
    )
    done = subprocess.run(
        [PYTHON, "-c", script],
        env=dict(env),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise RuntimeError(f"django subprocess failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.rsplit("@@result@@", 1)[1])


@contextlib.contextmanager
def fresh_database(vendor: str, directory: Path) -> Iterator[str]:
    """A new, empty database of the vendor the test suite runs on, dropped afterwards: an
    SQLite file in ``directory``, or a PostgreSQL database made beside the suite's
    (``DATABASE_URL``; its role may create databases, as the test database needs)."""
    if vendor == "sqlite":
        yield f"sqlite:///{directory / 'live.sqlite3'}"
        return
    import psycopg

    base = os.environ["DATABASE_URL"]
    parts = urllib.parse.urlsplit(base)
    name = f"painpath_live_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(base, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Process:
    """A subprocess in its own process group, its output in a file."""

    args: list[str]
    env: Mapping[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                self.args,
                env=dict(self.env),
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def kill(self) -> None:
        """SIGKILL to the whole group at once: a crash, nothing gets to clean up."""
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self, timeout: float = 20) -> None:
        """A graceful stop (SIGTERM), then SIGKILL if it does not end in time."""
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
        # Orphans of the group (a worker whose master was killed first).
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


class Gunicorn(Process):
    """``gunicorn painpath.web.wsgi:application -w 4 --threads 4`` on a free port."""

    def __init__(
        self,
        env: Mapping[str, str],
        *,
        workers: int = 4,
        threads: int = 4,
        log: Path | None = None,
        port: int | None = None,
    ) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        args = [
            GUNICORN,
            "painpath.web.wsgi:application",
            f"--workers={workers}",
            f"--threads={threads}",
            f"--bind=127.0.0.1:{self.port}",
            "--timeout=120",
            "--graceful-timeout=5",
        ]
        super().__init__(args, env, log or Path(env["PAINPATH_VAR_DIR"]) / "gunicorn.log")

    def start(self, timeout: float = 90) -> None:
        super().start()
        self.wait_ready(timeout)

    def wait_ready(self, timeout: float) -> None:
        """Until /health/ answers 200 (Django loaded, database reachable) in every worker
        the probes reach, or fail with the server's log."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.output()[-5000:]}")
            try:
                with urllib.request.urlopen(self.url + "/health/", timeout=5) as response:
                    if response.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn not ready after {timeout}s:\n{self.output()[-5000:]}")

    def __enter__(self) -> Gunicorn:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# -- a browser without a browser --------------------------------------------------------------


class _Forms(HTMLParser):
    """The inputs of the page's POST forms: hidden values, radio options, the CSRF token."""

    def __init__(self) -> None:
        super().__init__()
        self.hidden: dict[str, str] = {}
        self.radios: dict[str, list[str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "input":
            return
        a = {k: v or "" for k, v in attrs}
        if a.get("type") == "hidden" and a.get("name"):
            self.hidden[a["name"]] = a.get("value", "")
        elif a.get("type") == "radio" and a.get("name"):
            self.radios.setdefault(a["name"], []).append(a.get("value", ""))


@dataclass(frozen=True)
class Response:
    status: int
    location: str
    body: str
    seconds: float
    method: str
    path: str

    def forms(self) -> _Forms:
        parser = _Forms()
        parser.feed(self.body)
        return parser


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class Browser:
    """One visitor: keeps cookies, never follows redirects by itself (each step's status is
    checked), and posts forms with the CSRF token of the last page it read."""

    base: str
    timeout: float = 60
    history: list[Response] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect()
        )
        self.csrf = ""

    def _open(self, method: str, path: str, data: bytes | None) -> Response:
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Accept-Language", "da")
        started = time.perf_counter()
        try:
            with self.opener.open(request, timeout=self.timeout) as raw:
                status, headers, body = raw.status, raw.headers, raw.read()
        except urllib.error.HTTPError as error:
            status, headers, body = error.code, error.headers, error.read()
        response = Response(
            status,
            headers.get("Location", "") or "",
            body.decode("utf-8", errors="replace"),
            time.perf_counter() - started,
            method,
            path,
        )
        self.history.append(response)
        token = response.forms().hidden.get("csrfmiddlewaretoken")
        if token:
            self.csrf = token
        return response

    def get(self, path: str) -> Response:
        return self._open("GET", path, None)

    def post(self, path: str, data: Mapping[str, str | list[str]]) -> Response:
        fields = [("csrfmiddlewaretoken", self.csrf)]
        for name, value in data.items():
            for each in value if isinstance(value, list) else [value]:
                fields.append((name, each))
        body = urllib.parse.urlencode(fields).encode()
        return self._open("POST", path, body)

    def server_errors(self) -> list[Response]:
        return [r for r in self.history if r.status >= 500]


class FileSms:
    """A text-message backend for servers started by tests (``PAINPATH_SMS_BACKEND=
    tests.live_server.FileSms``): appends each message as a JSON line to the file named by
    ``PAINPATH_TEST_SMS_FILE``, flushed to disk, so that what went out survives a killed
    process. ``PAINPATH_TEST_SMS_DELAY`` seconds pass before (the provider is slow to take
    it) and after (its answer is slow to come back)."""

    def send(self, to: str, text: str) -> None:
        delay = float(os.environ.get("PAINPATH_TEST_SMS_DELAY", "0"))
        time.sleep(delay)
        with open(os.environ["PAINPATH_TEST_SMS_FILE"], "a") as out:
            out.write(json.dumps({"to": to, "text": text}) + "\n")
            out.flush()
            os.fsync(out.fileno())
        time.sleep(delay)

    @staticmethod
    def sent(path: Path) -> list[dict[str, str]]:
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
