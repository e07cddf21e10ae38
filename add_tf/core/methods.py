"""The distillation methods (`LossConfig.method`): one table, importable without TensorFlow.

A method is the set of loss terms it adds to the cross-entropy, each with its options; a term's
name is the name of its metric ("fr", "mv", ...), and `add_tf.losses.TERMS` builds it from the
`LossConfig`. The Table 2 ablations of the paper are methods of their own. A method with no term
trains on cross-entropy alone and needs no teacher.
"""

BASELINE = "none"  # the method every other is compared with (a grid's differences)

METHODS = {
    "add": {"fr": {}, "mv": {}},  # eq. 10: CE + alpha FR + beta MV (contrastive term included)
    "none": {},  # no distillation: cross-entropy only
    "fitnet": {"fitnet": {}},
    "at": {"at": {}},
    "nl": {"nl": {}},
    "kd": {"kd": {}},
    "add_fr": {"fr": {}},  # Table 2: FR only
    "add_mv_nocontrast": {"mv": {"contrastive": False}},  # Table 2: MV, eq. 9 without the pairs
    "add_mv": {"mv": {}},  # Table 2: MV with the contrastive term
}


def method_terms(method):
    """`{term name: options}` of `method` (a key of METHODS)."""
    if method not in METHODS:
        raise ValueError(
            f"Unknown distillation method. Valid: {', '.join(METHODS)}. Received: method={method!r}"
        )
    return METHODS[method]


def needs_teacher(method):
    """True when `method` distils from a teacher (it has at least one loss term)."""
    return bool(method_terms(method))
