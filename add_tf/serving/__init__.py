"""Serving: the trained model as a TF Serving SavedModel (export)."""
