"""``python -m benchmarks.load``: the bounded loopback load test (#16 names it so); the same
program and options as ``python -m benchmarks.bench_load`` (see its docstring). The write
path's figures: ``--saves-only --users 50`` and ``--saves-only --users 200``."""

from benchmarks.bench_load import main

if __name__ == "__main__":
    main()
