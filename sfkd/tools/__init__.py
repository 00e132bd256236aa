"""Command-line entry points: ``python -m sfkd.tools.train`` / ``sfkd-train`` etc."""
