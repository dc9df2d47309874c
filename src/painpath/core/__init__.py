"""The pure core of painpath: instrument scoring, outcomes and (later) the rule engine.

Nothing here imports Django or any other painpath layer; an import-linter contract in
``pyproject.toml`` enforces it.
"""
