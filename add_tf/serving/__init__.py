"""Serving: the SavedModel export and the scoring of faces in images and videos."""
