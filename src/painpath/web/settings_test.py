"""Settings for the test suite: the development defaults, with a fast password hasher."""

import os
import tempfile

os.environ.setdefault("DEBUG", "1")

from painpath.web.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, like the installation's, not SQLite's shared in-memory database: that one locks
    # whole tables and fails a second writer at once instead of letting it wait (WAL and the
    # busy timeout do not apply), so concurrency tests would test another database. One file
    # per test process: several runs may share a checkout.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.gettempdir(), f"painpath-test-{os.getpid()}.sqlite3")
    }

# The tests need no `collectstatic`: plain names, and WhiteNoise finds the files where they
# are, as in development (tests/web/test_deployment.py runs the hashed, collected setup).
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
