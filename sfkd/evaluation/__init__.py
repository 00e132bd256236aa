"""Metrics registered in sfkd's METRICS registry."""
