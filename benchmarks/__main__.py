"""Run every benchmark: ``python -m benchmarks`` (or ``make bench``)."""

from benchmarks import classify, report, scoring

if __name__ == "__main__":
    scoring.main()
    classify.main()
    report.main()
