"""Data for demonstrations and benchmarks: the fictional 青山县 and bulk case generation."""
