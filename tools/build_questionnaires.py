"""Write every instrument's FHIR R4 Questionnaire, in da, en and de, from its YAML source.

    python tools/build_questionnaires.py          # (re)write src/painpath/core/data/questionnaires
    python tools/build_questionnaires.py --check  # exit 1 if a committed file is out of date

The output is deterministic (sorted keys, indent 2, UTF-8, trailing newline), so the
committed files change only when a source or the builder does; ``tests/core/
test_questionnaires.py`` fails when they differ from a fresh build.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from painpath.core.questionnaires import available, build, dumps

TARGET = Path(__file__).resolve().parents[1] / "src/painpath/core/data/questionnaires"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report out-of-date files")
    args = parser.parse_args(argv)
    stale = []
    expected = set()
    for code, lang in available():
        path = TARGET / f"{code}.{lang}.json"
        expected.add(path.name)
        text = dumps(build(code, lang))
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(path)
        if not args.check:
            path.write_text(text, encoding="utf-8")
    extra = sorted(p for p in TARGET.glob("*.json") if p.name not in expected)
    for path in extra:
        print(f"not built from a source (remove it): {path}", file=sys.stderr)
    for path in stale:
        print(f"{'out of date' if args.check else 'wrote'}: {path}")
    return 1 if (args.check and stale) or extra else 0


if __name__ == "__main__":
    sys.exit(main())
