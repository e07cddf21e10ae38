"""Prepared face records: schema (keys, record decoding) and the tf.data reader."""

from add_tf.data.reader import (  # noqa: F401
    DamagedRecordsError,
    count_examples,
    find_damaged_shards,
    make_dataset,
    manifest_generator,
    manifest_image_size,
    prepared_image_size,
    read_manifest,
    records_location,
    report_damaged_shards,
    require_prepared,
    require_records,
)
