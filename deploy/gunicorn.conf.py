"""gunicorn's configuration for painpath (docs/deployment.md).

    gunicorn -c /opt/painpath/deploy/gunicorn.conf.py

Settings come from the environment file (systemd's EnvironmentFile=): PAINPATH_BIND,
PAINPATH_WORKERS, PAINPATH_THREADS, PAINPATH_TIMEOUT. gunicorn listens on the loopback
address only: the reverse proxy in front terminates TLS, and is the only client allowed to set
X-Forwarded-For and X-Forwarded-Proto.
"""

import os

from painpath.web.log import JsonFormatter, RequestIdFilter

wsgi_app = "painpath.web.wsgi:application"
bind = os.environ.get("PAINPATH_BIND", "127.0.0.1:8000")
# Two or three processes per core; threads let one process wait on the database for several
# requests. Django is loaded before the workers fork (preload_app), so a broken setting stops
# the master at once, with the message, instead of every worker in turn.
workers = int(os.environ.get("PAINPATH_WORKERS", "3"))
threads = int(os.environ.get("PAINPATH_THREADS", "4"))
timeout = int(os.environ.get("PAINPATH_TIMEOUT", "60"))
graceful_timeout = 30
preload_app = True
# A worker is replaced after this many requests (with jitter), so a slow leak cannot grow.
max_requests = 2000
max_requests_jitter = 200
# The proxy on this machine may set X-Forwarded-Proto (gunicorn's own check; Django trusts it
# through PAINPATH_BEHIND_PROXY).
forwarded_allow_ips = os.environ.get("PAINPATH_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# No access log of gunicorn's own: painpath logs every request itself (painpath.request), with
# its id and with patient link tokens masked. gunicorn's errors go to stderr as JSON lines like
# Django's, so the journal holds one format.
accesslog = None
errorlog = "-"
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": RequestIdFilter}},
    "formatters": {"json": {"()": JsonFormatter}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
            "filters": ["request_id"],
            "formatter": "json",
        }
    },
    "root": {"handlers": ["stderr"], "level": "INFO"},
    "loggers": {
        "gunicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": [], "propagate": False},
    },
}
