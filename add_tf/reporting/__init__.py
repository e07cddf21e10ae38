"""Reporting: the detect report and Grad-CAM galleries."""
