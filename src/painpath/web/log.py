"""Structured logging: one JSON object per line, each with the id of the request it belongs to.

``RequestIdMiddleware`` (painpath.web.middleware) sets :data:`request_id` for the length of a
request; :class:`RequestIdFilter` copies it onto every record logged meanwhile, by whichever
logger. The same id is in the response's ``X-Request-ID`` header and on the error page, so a
patient's or clinician's "reference" finds the traceback in the journal.

No Django import at module level: gunicorn's configuration uses the formatter before Django
is set up, and Django configures logging before the apps are loaded.
"""

from __future__ import annotations

import json
import logging
import re
from contextvars import ContextVar
from datetime import UTC, datetime

NO_REQUEST = "-"
request_id: ContextVar[str] = ContextVar("painpath_request_id", default=NO_REQUEST)

# A patient link's token is the patient's only credential (painpath.audit.services masks it in
# the audit log): Django's "Internal Server Error: /q/p/<token>/" must not carry it either.
_LINK_TOKEN = re.compile(r"(/q/p/)[^/?#\s\"']+")

# What a record may carry besides its message (Django's and painpath's ``extra=``).
EXTRA_FIELDS = ("status_code", "method", "path", "status", "duration_ms")


def scrub(text: str) -> str:
    return _LINK_TOKEN.sub(r"\1…", text)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "message", "request_id", …, "exception"}`` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": scrub(record.getMessage()),
            "request_id": getattr(record, "request_id", request_id.get()),
        }
        for field in EXTRA_FIELDS:
            if hasattr(record, field):
                entry[field] = getattr(record, field)
        if record.exc_info:
            entry["exception"] = scrub(self.formatException(record.exc_info))
        elif record.exc_text:
            entry["exception"] = scrub(record.exc_text)
        return json.dumps(entry, ensure_ascii=False, default=str)


class AdminMailHandler(logging.Handler):
    """Mails an error to ``ADMINS`` (PAINPATH_ADMINS): the message, the request id and the
    traceback. Unlike Django's ``AdminEmailHandler`` it sends none of the request's data (form
    fields, headers), which may be a patient's."""

    def emit(self, record: logging.LogRecord) -> None:
        from django.core.mail import mail_admins

        try:
            rid = getattr(record, "request_id", request_id.get())
            message = scrub(record.getMessage())
            subject = f"{record.levelname}: {message.splitlines()[0] if message else ''}"
            body = f"{message}\n\nRequest id: {rid}\nLogger: {record.name}\n"
            if record.exc_info:
                body += "\n" + scrub(logging.Formatter().formatException(record.exc_info))
            mail_admins(subject[:150], body, fail_silently=True)
        except Exception:
            self.handleError(record)
