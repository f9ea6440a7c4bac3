"""Detectors: pure functions from stored series to signals (anomalies, SLO burn rates, budgets, GPU waste,
drift, quality, unpriced models, silence). `base` is the contract, `registry` the names rules use."""
