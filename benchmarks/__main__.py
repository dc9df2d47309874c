"""Run every benchmark: ``python -m benchmarks`` (or ``make bench``)."""

from benchmarks import classify, cli_startup, load, pages, registry, report, scoring

if __name__ == "__main__":
    scoring.main()
    classify.main()
    report.main()
    cli_startup.main()
    pages.main()
    load.main()
    registry.main()
