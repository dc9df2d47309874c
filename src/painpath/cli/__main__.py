"""``python -m painpath.cli``: the same as the ``painpath`` command."""

from painpath.cli import app

app()
