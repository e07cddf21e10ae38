"""The demo's records: {data_dir}/demo, made on first use from a generated demo tree in
{data_dir}/demo_videos (pipelines' preparation, full-frame detector: the frames are the faces).

The manifest records what the generator made the records from (`settings.generator`: its
DEMO.json, version and seed included), so that a data dir never passes for another draw: a
request for another generator seed is an error naming both, and so are data and finished runs
of an earlier version of the generator (`check_trained_draw`; every model card records the
version of the records it was trained on). Under multi-worker training only the chief
generates; the other workers wait for its manifest (the data dir must be on storage all
workers see)."""

import logging
import os
import time

from add_tf.core import atomic
from add_tf.core.errors import UsageError
from add_tf.core.names import DATASETS, DEMO, DEMO_METHOD
from add_tf.data import manifest_generator, read_manifest, schema
from add_tf.synthetic.tree import DESCRIPTION, FRAME_SIZE, GENERATOR_VERSION, generate_demo_tree
from add_tf.training import model_card, one_run
from add_tf.training.strategy import task_info
from pipelines.layouts import ffpp
from pipelines.preparation import job

log = logging.getLogger(__name__)
RECORD_FRAMES = 10  # frames sampled per video by ensure_demo_records
DEFAULT_SEED = 0  # the generator seed of a data dir made without one
WAIT_SECONDS = 1800  # how long a worker waits for the chief's demo records
POLL_SECONDS = 2


class DemoInputs(one_run.Inputs):
    """The records of a run (add_tf.training.one_run.Inputs): the demo's are made when they
    are missing and a finished run of an earlier generator version is refused; the records of
    other data sets are the user's, and so is a folder of records (`data.records`) whatever its
    name."""

    def ensure(self, config, run_dir=None):
        if config.data.records:
            return
        if run_dir is None:
            ensure_for_dataset(config.data.dataset, config.data.data_dir)
        else:
            ensure_for_run(run_dir, config)

    def check_run(self, run_dir, config):
        check_trained_draw(run_dir, config)


INPUTS = DemoInputs()


def ensure_for_dataset(dataset, data_dir, seed=None):
    """The demo records of `data_dir` when `dataset` is the demo, generated when absent; other
    data sets are prepared by the user. The commands call this before the training and
    evaluation libraries, which read prepared records only."""
    if dataset == DEMO:
        ensure_demo_records(data_dir, seed=seed)


def ensure_for_run(run_dir, config, dataset=None, data_dir=None):
    """The records a run is scored on (its own, or `dataset` under `data_dir`), made first when
    they are the demo's: from the generator seed the run's card recorded when they are the
    run's own records (never a guessed draw for a run trained on another one). The own records
    of a run trained on a folder of records (`data.records`) are the user's: never made."""
    if dataset is None and config.data.records:
        return
    dataset, data_dir = dataset or config.data.dataset, data_dir or config.data.data_dir
    own = (dataset, data_dir) == (config.data.dataset, config.data.data_dir)
    seed = model_card.stored_fact(run_dir, "generator_seed") if own else None
    ensure_for_dataset(dataset, data_dir, seed=seed)


def ensure_demo_records(data_dir, seed=None, frames=RECORD_FRAMES, beam_args=None):
    """{data_dir}/demo with prepared records; generated (tree in {data_dir}/demo_videos) and
    prepared (full-frame detector, in-process Beam runner, one thread per core: the same bytes
    as one thread, faster) when absent. `seed`: the generator seed asked for (None: the one
    the data dir holds, DEFAULT_SEED for a new one); UsageError when the data dir holds another
    draw. Returns the path."""
    records = os.path.join(str(data_dir), DATASETS[DEMO][0])
    tree = os.path.join(str(data_dir), "demo_videos")
    manifest_path = os.path.join(records, schema.MANIFEST)
    if not os.path.isfile(manifest_path) and not task_info()[2]:
        _wait_for(manifest_path)
    if os.path.isfile(manifest_path):
        generator = manifest_generator(read_manifest(records)) or _tree_description(tree)
        _check_draw(records, generator, seed)
        return records
    described = _tree_description(tree)
    _check_draw(tree, described, seed)
    if described is None:
        log.info("generating the demo videos in %s", tree)
        generate_demo_tree(tree, seed=DEFAULT_SEED if seed is None else seed)
        described = _tree_description(tree)
    found = ffpp.discover(tree, methods=[DEMO_METHOD])
    settings = job.make_settings(found, os.path.basename(records), "ffpp", size=FRAME_SIZE,
                                 frames=frames, detector="full-frame")
    settings["generator"] = described
    job.prepare(found, records, settings, beam_args=beam_args or [
        "--direct_running_mode=multi_threading", f"--direct_num_workers={os.cpu_count() or 1}"])
    return records


def _tree_description(tree):
    """The DEMO.json of a generated tree, None when there is none."""
    return atomic.read_json(os.path.join(tree, DESCRIPTION))


def _check_draw(path, generator, seed):
    """UsageError when `path` holds a draw of an earlier generator version, or of another
    generator seed than `seed` (None: any). Nothing to check without a description."""
    if generator is None:
        return
    if generator.get("version") != GENERATOR_VERSION:
        raise UsageError(
            f"{path} holds the demo of an earlier version of its generator "
            f"({_version(generator.get('version'))}; this add_tf draws version "
            f"{GENERATOR_VERSION}, other videos for the same seed): remove it, and the runs "
            "trained on it, or give another --data-dir")
    held = generator.get("seed")
    if seed is None or held is None or int(held) == int(seed):
        return
    raise UsageError(
        f"{path} holds the demo of generator seed {held}, not {seed}: give another --data-dir "
        f"for seed {seed} (e.g. python -m add_tf.demo --data-dir demo-data{seed} --seed {seed})")


def check_trained_draw(run_dir, config):
    """Before any work: UsageError when `run_dir` holds a finished demo run whose card says it
    was trained on the demo of an earlier generator version (its stored scores are of other
    data). Runs of other data sets, and of records not made by the generator, pass."""
    if (config.data.dataset != DEMO
            or model_card.stored_fact(run_dir, "generator_seed") is None):
        return
    version = model_card.stored_fact(run_dir, "generator_version")
    if version != GENERATOR_VERSION:
        raise UsageError(
            f"{run_dir} holds a run trained on the demo of an earlier version of its generator "
            f"({_version(version)}; this add_tf draws version {GENERATOR_VERSION}): remove it "
            f"and the demo data it was trained on ({config.data.data_dir}), or give another "
            "--runs-root and --data-dir")


def _version(version):
    return "made before versions were recorded" if version is None else f"version {version}"


def _wait_for(manifest_path):
    """Block until the chief has written `manifest_path`; UsageError naming it after
    WAIT_SECONDS."""
    deadline = time.monotonic() + WAIT_SECONDS
    log.info("waiting for the chief's demo records: %s", manifest_path)
    while not os.path.isfile(manifest_path):
        if time.monotonic() > deadline:
            raise UsageError(
                f"{manifest_path} did not appear within {WAIT_SECONDS} s: the chief makes the "
                "demo records; the data dir must be on storage every worker sees")
        time.sleep(POLL_SECONDS)
