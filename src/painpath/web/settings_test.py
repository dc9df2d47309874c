"""Settings for the test suite: the development defaults, with a fast password hasher."""

import os

os.environ.setdefault("DEBUG", "1")

from painpath.web.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
