"""Run every benchmark: ``python -m benchmarks`` (or ``make bench``)."""

from benchmarks import classify, scoring

if __name__ == "__main__":
    scoring.main()
    classify.main()
