"""Run every benchmark: ``python -m benchmarks`` (or ``make bench``)."""

from benchmarks.scoring import main

if __name__ == "__main__":
    main()
