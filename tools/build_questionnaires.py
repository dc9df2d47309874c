"""Write every instrument's FHIR R4 Questionnaire, in da, en and de, from its YAML source, and
the CodeSystems, ValueSet and StructureDefinitions they refer to.

    python tools/build_questionnaires.py          # (re)write the files below
    python tools/build_questionnaires.py --check  # exit 1 if a committed file is out of date

Questionnaires go to src/painpath/core/data/questionnaires/<code>.<lang>.json; the answer
scales' CodeSystems, the instruments and wording CodeSystems, the wording ValueSet and the
StructureDefinitions of painpath's extensions to src/painpath/core/data/conformance/.

The output is deterministic (sorted keys, indent 2, UTF-8, trailing newline), so the
committed files change only when a source or the builder does; ``tests/core/
test_questionnaires.py`` fails when they differ from a fresh build.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from painpath.core.questionnaires import available, build, conformance, dumps

DATA = Path(__file__).resolve().parents[1] / "src/painpath/core/data"
TARGET = DATA / "questionnaires"
CONFORMANCE = DATA / "conformance"


def _write(folder: Path, wanted: Mapping[str, Mapping[str, Any]], check: bool) -> int:
    """Write (or, with ``check``, compare) ``wanted`` in ``folder``; 1 if anything was stale
    under ``check`` or a file there was not built."""
    folder.mkdir(parents=True, exist_ok=True)
    stale = []
    for name, resource in wanted.items():
        path = folder / name
        text = dumps(resource)
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(path)
        if not check:
            path.write_text(text, encoding="utf-8")
    extra = sorted(p for p in folder.glob("*.json") if p.name not in wanted)
    for path in extra:
        print(f"not built from a source (remove it): {path}", file=sys.stderr)
    for path in stale:
        print(f"{'out of date' if check else 'wrote'}: {path}")
    return 1 if (check and stale) or extra else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report out-of-date files")
    args = parser.parse_args(argv)
    questionnaires = {f"{code}.{lang}.json": build(code, lang) for code, lang in available()}
    failed = _write(TARGET, questionnaires, args.check)
    return _write(CONFORMANCE, conformance(), args.check) or failed


if __name__ == "__main__":
    sys.exit(main())
