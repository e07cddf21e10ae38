"""Prepared face records: schema (keys, record decoding), manifest (what a records folder
holds), training_set (which records a run reads, under which name), shards (the record files
and their checks) and reader (the tf.data input)."""

from add_tf.data import training_set  # noqa: F401
from add_tf.data.manifest import (  # noqa: F401
    count_examples,
    manifest_generator,
    manifest_image_size,
    read_manifest,
)
from add_tf.data.reader import make_dataset  # noqa: F401
from add_tf.data.shards import (  # noqa: F401
    DamagedRecordsError,
    find_damaged_shards,
    report_damaged_shards,
    require_records,
)
