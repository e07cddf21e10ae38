"""Hand-made rows of add_tf.evaluation.grid.collect for the grid's tables."""


def grid_row(method, seed, acc, auc=0.5, point=""):
    """A demo / c40 / resnet18 row; `acc` None: a failed run (no metrics)."""
    metrics = None if acc is None else {"acc": acc, "auc": auc, "r_at_1": None}
    return {"dataset": "demo", "comp": "c40", "backbone": "resnet18", "method": method,
            "point": point, "seed": seed, "metrics": metrics}
