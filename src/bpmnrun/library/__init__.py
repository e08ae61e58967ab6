"""The process library: finds diagrams, validates them, versions them, parses and caches their specs."""
