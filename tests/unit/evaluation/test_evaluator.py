"""add_tf.evaluation.evaluator: the quality records are scored at."""

import pytest

from add_tf.core.errors import UsageError
from add_tf.evaluation import evaluator


def test_choose_quality():
    assert evaluator.choose_quality("c40", ["c23", "c40"])[0] == "c40"
    quality, note = evaluator.choose_quality("c40", ["raw", "c23"])
    assert quality == "raw" and "best the records hold" in note and "c40" in note
    assert evaluator.choose_quality("c40", ["c23", "c40"], comp="c23")[0] == "c23"
    with pytest.raises(UsageError, match="they hold: c23. Received: comp='c40'"):
        evaluator.choose_quality("c23", ["c23"], comp="c40")
