"""add_tf.core.table: column widths, the rule, a ragged last column, metric cells."""

import math

from add_tf.core import table


def test_columns_are_as_wide_as_their_widest_cell_two_spaces_apart():
    text = table.format_table([["a", 1], ["bbbb", 22.5]], ["name", "n"])
    assert text.splitlines() == [
        "name  n   ",
        "----  ----",
        "a     1   ",
        "bbbb  22.5",
    ]


def test_a_ragged_last_column_ends_with_its_text_and_its_rule_with_its_header():
    text = table.format_table([["x", "a long free text"], ["yy", ""]], ["id", "note"],
                              ragged_last=True)
    assert text.splitlines() == [
        "id  note",
        "--  ----",
        "x   a long free text",
        "yy",
    ]


def test_metrics_have_four_decimals_and_a_dash_when_missing():
    results = {"test": {"acc": 0.81234, "auc": None, "eer": math.nan},
               "test_celebdf_c23": {"acc": 1}}
    lines = table.format_metrics(results, names=("acc", "auc", "eer"),
                                 title_column="model").splitlines()
    assert lines[0].split() == ["model", "acc", "auc", "eer"]
    assert lines[2].split() == ["test", "0.8123", "-", "-"]
    assert lines[3].split() == ["test_celebdf_c23", "1.0000", "-", "-"]
