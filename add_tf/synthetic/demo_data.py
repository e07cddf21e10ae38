"""The demo's records: {data_dir}/demo, made on first use from a generated demo tree in
{data_dir}/demo_videos (pipelines' preparation, full-frame detector: the frames are the faces)."""

import logging
import os

from add_tf.data import schema
from add_tf.synthetic.tree import FRAME_SIZE, generate_demo_tree
from pipelines.layouts import ffpp
from pipelines.preparation import job

log = logging.getLogger(__name__)
RECORD_FRAMES = 16  # frames sampled per video by ensure_demo_records


def ensure_for_dataset(dataset, data_dir):
    """The demo records of `data_dir` when `dataset` is the demo, generated when absent; other
    data sets are prepared by the user. The commands call this before the training and
    evaluation libraries, which read prepared records only."""
    if dataset == "demo":
        ensure_demo_records(data_dir)


def ensure_demo_records(data_dir, seed=0, frames=RECORD_FRAMES, beam_args=None):
    """{data_dir}/demo with prepared records; generated (tree in {data_dir}/demo_videos) and
    prepared (full-frame detector, in-process Beam runner) when absent. Returns the path."""
    records = os.path.join(str(data_dir), "demo")
    if os.path.isfile(os.path.join(records, schema.MANIFEST)):
        return records
    tree = os.path.join(str(data_dir), "demo_videos")
    if not os.path.isfile(os.path.join(tree, "DEMO.json")):
        log.info("generating the demo videos in %s", tree)
        generate_demo_tree(tree, seed=seed)
    found = ffpp.discover(tree, methods=[ffpp.DEMO_METHOD])
    settings = job.make_settings(found, os.path.basename(records), "ffpp", size=FRAME_SIZE,
                                 frames=frames, detector="full-frame")
    job.prepare(found, records, settings, beam_args=beam_args or [
        "--direct_running_mode=in_memory", "--direct_num_workers=1"])
    return records
