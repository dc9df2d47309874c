"""The settings of the server benchmarks/load.py starts: those of the test servers
(tests/live_settings.py: production settings, DEBUG off, static files served unhashed), but
with the development field key the generated clinic's CPR numbers were encrypted with. The
server starts with a generated key (DEBUG off refuses the development one); the development
key is put back here, after the check, for the benchmark's own database only."""

from tests.live_settings import *  # noqa: F403

FIELD_KEY = "development-only-field-key-not-for-production"
