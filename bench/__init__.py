"""Benchmarks for the targets of DESIGN.md "Scale to design for" (`make bench`)."""
