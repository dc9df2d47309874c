"""The production setup of docs/deployment.md, started as documented: gunicorn with
deploy/gunicorn.conf.py, DEBUG off, the variables of .env.example (with real keys), after
`migrate` and `collectstatic`, against a database of its own (SQLite here, PostgreSQL in the
PostgreSQL run). Requests are sent as the reverse proxy forwards them (Host, X-Forwarded-Proto,
X-Forwarded-For)."""

from __future__ import annotations

import json
import os
import re
import secrets
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.signals import request_finished
from django.http import HttpResponse
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from tests.live_server import Process, free_port, fresh_database

from painpath.web import log
from painpath.web.middleware import ForwardedForMiddleware, RequestIdMiddleware
from painpath.web.views import server_error

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_ENV = ROOT / ".env.example"
HOST = "painpath.example.org"  # ALLOWED_HOSTS in .env.example
PASSWORD = "correct horse battery staple"  # as in conftest.make_staff; test-only
VENDOR = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
HASHED = re.compile(r"\.[0-9a-f]{12}\.")


def example_env() -> dict[str, str]:
    """The example environment file as systemd's EnvironmentFile= reads it."""
    values = {}
    for line in EXAMPLE_ENV.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def outside_env() -> dict[str, str]:
    """This process's environment without the test suite's settings (PATH and the like)."""
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(
            ("DJANGO_", "PYTEST_", "DATABASE_URL", "DEBUG", "SECURE_", "SESSION_", "CSRF_")
        )
    }


def production_env(database_url: str, var_dir: Path, **extra: str) -> dict[str, str]:
    """The environment file's variables, as systemd passes them to the services: the example's,
    with generated keys and this test's database and directory."""
    env = outside_env()
    env.update(example_env())
    env.update(
        SECRET_KEY=secrets.token_urlsafe(50),
        PAINPATH_FIELD_KEY=secrets.token_urlsafe(50),
        DATABASE_URL=database_url,
        PAINPATH_VAR_DIR=str(var_dir),
        # Error reports to the log file instead of an SMTP server.
        EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
        PAINPATH_WORKERS="2",
        PAINPATH_THREADS="2",
    )
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """``deploy/painpath-manage``, as the administrator runs it, reading an environment file
    written from ``env``'s example variables."""
    env_file = Path(env["PAINPATH_VAR_DIR"]) / "painpath.env"
    env_file.write_text("".join(f"{name}={env[name]}\n" for name in example_env()))
    return subprocess.run(
        [str(ROOT / "deploy/painpath-manage"), *args],
        env={
            **outside_env(),
            "PAINPATH_ENV_FILE": str(env_file),
            "PAINPATH_PYTHON": sys.executable,
        },
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def drop_session_table(database_url: str) -> None:
    """A controlled server error: the session table is gone, so a request with a session
    cookie fails in the middleware (and the 500 page must not need the database)."""
    if database_url.startswith("sqlite"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as db:
            db.execute("DROP TABLE django_session")
        return
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as db:
        db.execute("DROP TABLE django_session")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


OPENER = urllib.request.build_opener(_NoRedirect())


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


@dataclass
class Deployment:
    url: str
    server: Process
    static_root: Path

    def get(
        self, path: str, *, https: bool = True, headers: dict[str, str] | None = None
    ) -> Answer:
        request = urllib.request.Request(self.url + path)
        request.add_header("Host", HOST)
        request.add_header("X-Forwarded-For", "203.0.113.7")
        if https:
            request.add_header("X-Forwarded-Proto", "https")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with OPENER.open(request, timeout=30) as raw:
                return Answer(
                    raw.status, {k.lower(): v for k, v in raw.headers.items()}, raw.read()
                )
        except urllib.error.HTTPError as error:
            return Answer(
                error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()
            )

    def log_lines(self) -> list[dict[str, object]]:
        lines = []
        for line in self.server.output().splitlines():
            if line.startswith("{"):
                lines.append(json.loads(line))
        return lines


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    var_dir = tmp_path_factory.mktemp("deployment")
    port = free_port()
    with fresh_database(VENDOR, var_dir) as database_url:
        env = production_env(database_url, var_dir, PAINPATH_BIND=f"127.0.0.1:{port}")
        for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
            done = manage(env, *command)
            assert done.returncode == 0, done.stdout + done.stderr
        drop_session_table(database_url)
        server = Process(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy/gunicorn.conf.py")],
            env,
            var_dir / "gunicorn.log",
        )
        server.start()
        deployment = Deployment(f"http://127.0.0.1:{port}", server, var_dir / "static")
        try:
            wait_until_healthy(deployment)
            yield deployment
        finally:
            server.stop()


def wait_until_healthy(deployment: Deployment, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert deployment.server.process is not None
        if deployment.server.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{deployment.server.output()[-5000:]}")
        try:
            if deployment.get("/health/", https=False).status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn not ready:\n{deployment.server.output()[-5000:]}")


# -- the running server ------------------------------------------------------------------------


def test_css_and_htmx_are_served_with_hashed_names_compressed_and_cached_for_good(
    deployed: Deployment,
) -> None:
    page = deployed.get("/")
    assert page.status == 200, page.text
    css = re.search(r'href="(/static/painpath/app\.[^"]+\.css)"', page.text)
    htmx = re.search(r'src="(/static/django_htmx/[^"]+\.js)"', page.text)
    assert css and htmx, page.text

    for path in (css[1], htmx[1]):
        assert HASHED.search(path), path
        static = deployed.get(path, headers={"Accept-Encoding": "gzip"})
        assert static.status == 200
        assert "max-age=315360000" in static.headers["cache-control"]
        assert "immutable" in static.headers["cache-control"]
        assert static.headers.get("content-encoding") in {"gzip", "br"}
        assert "no-store" not in static.headers["cache-control"]
    # A page itself is never cached (NoStoreMiddleware), static files apart.
    assert "no-store" in page.headers["cache-control"]


def test_no_chart_script_is_collected(deployed: Deployment) -> None:
    # The outcome plots are SVG drawn on the server (tests/analytics: the report page loads no
    # chart script); a 4 MB plotting bundle in the static files would be dead weight.
    manifest = json.loads((deployed.static_root / "staticfiles.json").read_text())
    assert manifest["paths"], "nothing collected"
    assert not [path for path in manifest["paths"] if "plotly" in path.lower()]


def test_health_answers_ok_to_a_local_monitor_over_plain_http(deployed: Deployment) -> None:
    answer = deployed.get("/health/", https=False)

    assert answer.status == 200
    assert json.loads(answer.body)["status"] == "ok"
    assert json.loads(answer.body)["database"] == VENDOR
    # Any other page over plain HTTP goes to HTTPS.
    assert deployed.get("/", https=False).status == 301


def test_an_unknown_address_answers_a_danish_404_page(deployed: Deployment) -> None:
    answer = deployed.get("/no-such-page/", headers={"Accept-Language": "da"})

    assert answer.status == 404
    assert '<html lang="da">' in answer.text
    assert "Siden findes ikke" in answer.text
    assert "/static/painpath/app." in answer.text


def test_a_server_error_shows_the_danish_page_with_its_reference_and_logs_the_traceback(
    deployed: Deployment,
) -> None:
    rid = f"proxy-{secrets.token_hex(8)}"

    answer = deployed.get(
        "/",
        headers={
            "Accept-Language": "da",
            "Cookie": "sessionid=not-a-real-session-7k2",
            "X-Request-ID": rid,
        },
    )

    assert answer.status == 500
    assert answer.headers["x-request-id"] == rid
    assert '<html lang="da">' in answer.text
    assert "Der gik noget galt" in answer.text
    assert f'<code class="mono">{rid}</code>' in answer.text
    assert "/static/painpath/app." in answer.text  # styled, from the collected files
    errors = [line for line in deployed.log_lines() if line["request_id"] == rid]
    error = next(line for line in errors if line["level"] == "ERROR")
    assert error["logger"] == "django.request"
    assert "Traceback" in str(error["exception"])
    assert "django_session" in str(error["exception"])
    access = next(line for line in errors if line["logger"] == "painpath.request")
    assert (access["method"], access["path"], access["status"]) == ("GET", "/", 500)
    # The error report to PAINPATH_ADMINS (printed by the console backend): the reference and
    # the traceback, nothing the browser sent.
    output = deployed.server.output()
    assert f"Request id: {rid}" in output
    assert "To: it@painpath.example.org" in output
    assert "Subject: [painpath] ERROR: Internal Server Error: /" in output
    assert "not-a-real-session-7k2" not in output


def test_a_request_without_a_sane_id_gets_a_new_one_on_the_page(deployed: Deployment) -> None:
    answer = deployed.get(
        "/",
        headers={
            "Accept-Language": "en",
            "Cookie": "sessionid=abcdefgh12345678",
            "X-Request-ID": "<script>",
        },
    )

    rid = answer.headers["x-request-id"]
    assert answer.status == 500
    assert re.fullmatch(r"[0-9a-f]{32}", rid)
    assert "Something went wrong" in answer.text
    assert rid in answer.text


def test_the_log_masks_a_patient_links_token(deployed: Deployment) -> None:
    token = secrets.token_urlsafe(16)

    answer = deployed.get(f"/q/p/{token}/")

    assert answer.status == 404
    rid = answer.headers["x-request-id"]
    access = next(
        line
        for line in deployed.log_lines()
        if line["request_id"] == rid and line["logger"] == "painpath.request"
    )
    assert access["path"] == "/q/p/…/"
    # Django's own line about the 404, written after the middleware, has the id too.
    assert any(
        line["logger"] == "django.request" and line["message"] == "Not Found: /q/p/…/"
        for line in deployed.log_lines()
        if line["request_id"] == rid
    )
    assert token not in deployed.server.output()


# -- start-up and the deployment checks ----------------------------------------------------------


def test_check_deploy_is_clean_with_the_example_environment(tmp_path: Path) -> None:
    env = production_env(f"sqlite:///{tmp_path / 'db.sqlite3'}", tmp_path)

    done = manage(env, "check", "--deploy", "--fail-level", "WARNING")

    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout + done.stderr


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("PAINPATH_FIELD_KEY", example_env()["PAINPATH_FIELD_KEY"], "is a placeholder"),
        ("SECRET_KEY", example_env()["SECRET_KEY"], "is a placeholder"),
        ("SECRET_KEY", "development-only-key-not-for-production", "is a placeholder"),
        ("PAINPATH_FIELD_KEY", "Tr0ub4dor&3-short", "is too short"),
    ],
)
def test_gunicorn_refuses_to_start_with_a_placeholder_or_short_key(
    tmp_path: Path, variable: str, value: str, says: str
) -> None:
    env = production_env(
        f"sqlite:///{tmp_path / 'db.sqlite3'}",
        tmp_path,
        PAINPATH_BIND=f"127.0.0.1:{free_port()}",
        **{variable: value},
    )

    done = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy/gunicorn.conf.py")],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode != 0
    assert f"ImproperlyConfigured: {variable} {says}" in done.stderr
    assert "secrets.token_urlsafe(50)" in done.stderr
    assert value not in done.stderr


# -- the parts, in-process --------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("headers", "cookies", "says"),
    [
        ({"HTTP_ACCEPT_LANGUAGE": "de-DE,de;q=0.9"}, {}, "Etwas ist schiefgelaufen"),
        (
            {"HTTP_ACCEPT_LANGUAGE": "en"},
            {settings.LANGUAGE_COOKIE_NAME: "da"},
            "Der gik noget galt",
        ),
        ({"HTTP_ACCEPT_LANGUAGE": "xx;q=bad,,"}, {}, "Something went wrong"),
    ],
)
def test_the_500_page_speaks_the_requests_language_without_touching_the_database(
    django_assert_num_queries: object,
    headers: dict[str, str],
    cookies: dict[str, str],
    says: str,
) -> None:
    request = RequestFactory().get("/", **headers)
    request.COOKIES.update(cookies)
    token = log.request_id.set("ref-12345678")
    try:
        with django_assert_num_queries(0):  # type: ignore[operator]
            response = server_error(request)
    finally:
        log.request_id.reset(token)

    assert response.status_code == 500
    assert says in response.content.decode()
    assert "ref-12345678" in response.content.decode()


@pytest.mark.django_db  # request_finished closes old database connections
@pytest.mark.parametrize(
    ("incoming", "kept"),
    [
        ("4f1c2a9e8b7d6c5a4f1c2a9e8b7d6c5a", True),
        ("d1b1e9b4-1c5e-4a7b-9c3d-2f6e8a0b1c2d", True),
        ("short", False),
        ("x" * 65, False),
        ("abc def ghi", False),
        ('abcdefgh"}\n{"level":"ERROR"', False),
    ],
)
def test_an_incoming_request_id_is_kept_only_when_sane(incoming: str, kept: bool) -> None:
    seen: list[str] = []

    def view(request: object) -> HttpResponse:
        seen.append(log.request_id.get())
        return HttpResponse()

    response = RequestIdMiddleware(view)(RequestFactory().get("/", HTTP_X_REQUEST_ID=incoming))
    request_finished.send(sender=None)

    assert response["X-Request-ID"] == seen[0]
    assert (seen[0] == incoming) is kept
    assert log.request_id.get() == log.NO_REQUEST


@pytest.mark.django_db
def test_djangos_own_line_about_a_404_carries_the_request_id(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.handler.addFilter(log.RequestIdFilter())

    response = client.get("/no-such-page/")

    not_found = [r for r in caplog.records if r.getMessage() == "Not Found: /no-such-page/"]
    assert [r.request_id for r in not_found] == [response["X-Request-ID"]]  # type: ignore[attr-defined]
    assert log.request_id.get() == log.NO_REQUEST


@pytest.mark.parametrize(
    ("count", "forwarded", "client"),
    [
        (1, "203.0.113.9", "203.0.113.9"),
        # The client wrote the left entry itself; only the proxy's own is trusted.
        (1, "198.51.100.1, 203.0.113.9", "203.0.113.9"),
        (2, "198.51.100.1, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        (1, "", "127.0.0.1"),
        (1, "not-an-address", "127.0.0.1"),
        (0, "203.0.113.9", "127.0.0.1"),
    ],
)
def test_the_clients_address_is_the_one_the_trusted_proxy_saw(
    count: int, forwarded: str, client: str
) -> None:
    seen: list[str] = []

    def view(request: object) -> HttpResponse:
        seen.append(request.META["REMOTE_ADDR"])  # type: ignore[attr-defined]
        return HttpResponse()

    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    with override_settings(PAINPATH_PROXY_COUNT=count):
        ForwardedForMiddleware(view)(request)

    assert seen == [client]


@pytest.mark.django_db
@override_settings(PAINPATH_PROXY_COUNT=1)
def test_behind_the_proxy_a_lockout_holds_the_attackers_address_not_everyones(
    clinician: User,
) -> None:
    # Every request comes from the proxy (127.0.0.1); the attacker varies the part of
    # X-Forwarded-For it writes itself, which must not reset the count.
    attacker = Client(REMOTE_ADDR="127.0.0.1")
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        attacker.post(
            reverse("accounts:login"),
            {"username": clinician.username, "password": "nope"},
            HTTP_X_FORWARDED_FOR=f"10.9.9.{attempt}, 198.51.100.66",
        )
    locked = attacker.post(
        reverse("accounts:login"),
        {"username": clinician.username, "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="198.51.100.66",
    )
    colleague = Client(REMOTE_ADDR="127.0.0.1").post(
        reverse("accounts:login"),
        {"username": clinician.username, "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="203.0.113.20",
    )

    assert locked.status_code == 429
    assert colleague.status_code == 302
