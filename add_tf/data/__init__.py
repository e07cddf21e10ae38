"""Prepared face records: schema (keys) and the tf.data reader."""

from add_tf.data.reader import (  # noqa: F401
    count_examples,
    make_dataset,
    read_manifest,
    records_location,
)
