"""Evaluation: metrics, scoring runs and records, the experiment grid and its tables."""
