"""Core: the config, the method table, errors and atomic writes (no TensorFlow)."""
