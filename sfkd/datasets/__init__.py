"""Datasets and their preparation."""
