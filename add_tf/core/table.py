"""Console tables: a header, a rule of dashes, then one line per row (no TensorFlow)."""

import math

from add_tf.core.names import METRIC_NAMES


def format_table(rows, columns, ragged_last=False):
    """The lines of `columns` (header names) and `rows` (sequences of cells, one per column,
    shown as `str(cell)`), each column left-aligned to its widest cell, two spaces apart.

    ragged_last: the last column is not padded: a line ends where its text ends (trailing
    spaces stripped) and its rule is as wide as its header (for a free-text column).
    """
    table = [[str(c) for c in columns]] + [[str(c) for c in row] for row in rows]
    padded = len(columns) - 1 if ragged_last else len(columns)
    widths = [max(len(r[i]) for r in table) for i in range(padded)]
    rule = widths + ([len(table[0][-1])] if ragged_last else [])
    lines = []
    for row in table:
        line = "  ".join([c.ljust(w) for c, w in zip(row, widths)] + row[padded:])
        lines.append(line.rstrip() if ragged_last else line)
    lines.insert(1, "  ".join("-" * w for w in rule))
    return "\n".join(lines)


def format_metrics(results, names=METRIC_NAMES, title_column="split"):
    """Console table: one row per key of `results` ({row: {metric: value}})."""
    rows = []
    for row_name, metrics in results.items():
        cells = [row_name]
        for name in names:
            v = metrics.get(name)
            missing = v is None or (isinstance(v, float) and math.isnan(v))
            cells.append("-" if missing else f"{v:.4f}")
        rows.append(cells)
    return format_table(rows, [title_column, *names])
