"""Benchmarks of the shared library on the real broker and database (`make bench`)."""
