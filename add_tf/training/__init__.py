"""Training: the Distiller, callbacks, strategies, run directories and the training loop."""
