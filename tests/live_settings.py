"""The production settings for servers started by tests (tests/live_server.py), but for
static files: served unhashed from the apps, so that no test waits for collectstatic (its
compression of the bundled JavaScript takes over a minute)."""

from painpath.web.settings import *  # noqa: F403

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
