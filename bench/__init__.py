"""Benchmarks (`make bench`): measured speed, printed as a table and written to results.json."""
