"""add_tf.training.strategy: the registered strategy names; an unknown one lists them."""

import pytest

from add_tf.training.strategy import make_strategy


def test_unknown_strategy_lists_the_valid_ones():
    with pytest.raises(ValueError, match=r"Valid: auto, default, mirrored, multiworker\. "
                                         r"Received: strategy='gpu'"):
        make_strategy("gpu")
