"""Benchmarks of skillnest: `make bench` (all) or `make bench ONLY=name`."""
