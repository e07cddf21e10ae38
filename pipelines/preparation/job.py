"""The preparation job: a found layout (pipelines.layouts) -> paired face-crop TFRecords and
{out}/manifest.json, as an Apache Beam pipeline of whole shards (pipelines.preparation.shards).

Runs on Beam's local DirectRunner with one worker process per core by default; on Beam's
DaskRunner (`--runner DaskRunner --dask_client_address tcp://HOST:PORT`, one dask task per
shard), Dataflow, Flink, Spark or any other runner through Beam's options (RUNNERS). A rerun
after a crash only redoes the unfinished shards; a rerun with other settings or videos is
refused unless `overwrite`.
"""

import argparse
import hashlib
import importlib.util
import json
import logging
import os
import threading

from add_tf.core.errors import UsageError
from add_tf.core.progress import ProgressBar
from add_tf.data import schema
from add_tf.media.crop_recipe import CropRecipe
from pipelines.layouts import splits as splits_lib
from pipelines.preparation import shards

log = logging.getLogger("pipelines.prepare")
FRAMES = 64  # sampled per video
POLL_SECONDS = {"local": 0.5, "remote": 30.0}  # how often the progress bar counts videos done
# --runner NAME -> the runner class Beam is given. Beam's own runner names, which it reads in any
# case and with "Runner" optional (so does runner_path), and its DaskRunner, which Beam takes
# only by the full path. Any other runner: its full path, as Beam takes it.
RUNNERS = {
    "DirectRunner": "apache_beam.runners.direct.direct_runner.DirectRunner",
    "DaskRunner": "apache_beam.runners.dask.dask_runner.DaskRunner",
    "DataflowRunner": "apache_beam.runners.dataflow.dataflow_runner.DataflowRunner",
    "FlinkRunner": "apache_beam.runners.portability.flink_runner.FlinkRunner",
    "SparkRunner": "apache_beam.runners.portability.spark_runner.SparkRunner",
    "PortableRunner": "apache_beam.runners.portability.portable_runner.PortableRunner",
    "PrismRunner": "apache_beam.runners.portability.prism_runner.PrismRunner",
    "FnApiRunner": "apache_beam.runners.portability.fn_api_runner.FnApiRunner",
    "BundleBasedDirectRunner": "apache_beam.runners.direct.direct_runner.BundleBasedDirectRunner",
    "SwitchingDirectRunner": "apache_beam.runners.direct.direct_runner.SwitchingDirectRunner",
    "InteractiveRunner": "apache_beam.runners.interactive.interactive_runner.InteractiveRunner",
    "KafkaStreamsRunner": "apache_beam.runners.portability.kafka_streams_runner.KafkaStreamsRunner",
    "TestDirectRunner": "apache_beam.runners.test.TestDirectRunner",
    "TestDataflowRunner": "apache_beam.runners.test.TestDataflowRunner",
}


def make_settings(found, name, layout, frames=FRAMES, **crop):
    """The settings of a preparation of `found` (a layouts.Layout), as the manifest keeps them:
    the crop recipe (add_tf.media.crop_recipe.CropRecipe of the `crop` fields given, the rest
    its defaults) among them."""
    return {
        "set": name, "layout": layout, "root": found.root,
        "qualities": found.qualities, "detect_quality": found.qualities[0],
        "methods": found.methods, "frames": frames, **CropRecipe(**crop).to_dict(),
        "splits": found.splits,
        "sampling": "even (segment centres)", "crop_format": "png", "label": "1 = fake",
    }


class _DropMessage(logging.Filter):
    """Drops the log records whose message starts with `prefix`."""

    def __init__(self, prefix):
        super().__init__()
        self.prefix = prefix

    def filter(self, record):
        return not record.getMessage().startswith(self.prefix)


def _import_beam():
    """apache_beam, imported without the warning its import logs on the root logger when the
    optional Google Cloud client libraries are absent ("apitools not found, and bigquery client
    libraries are not available ..."): the preparation uses no Google Cloud I/O."""
    root = logging.getLogger()
    drop = _DropMessage("apitools not found")
    root.addFilter(drop)
    try:
        import apache_beam
    finally:
        root.removeFilter(drop)
    return apache_beam


def _shard_dofn():
    beam = _import_beam()

    class WriteShard(beam.DoFn):
        """Writes whole shards; the face detector loads once per worker (setup)."""

        def __init__(self, out, settings):
            self.out, self.settings = out, settings
            self.detector = None
            self.videos = beam.metrics.Metrics.counter("prepare", "videos_done")
            self.examples = beam.metrics.Metrics.counter("prepare", "examples")
            self.skipped = beam.metrics.Metrics.counter("prepare", "skipped_items")

        def setup(self):
            self.detector = CropRecipe.from_dict(self.settings, "settings").make_detector()

        def process(self, spec):
            summary = shards.write_shard(spec, self.out, self.settings, self.detector)
            self.videos.inc(len(spec["videos"]))
            self.examples.inc(summary["examples"])
            self.skipped.inc(len(summary["skipped"]))
            yield summary["file"]

    return WriteShard


def runner_path(name):
    """The runner class path for --runner `name`: a name of RUNNERS (any case, "Runner"
    optional) or a full path, kept as it is; UsageError naming the valid names."""
    if "." in name:
        return name
    paths = {short.lower(): path for short, path in RUNNERS.items()}
    path = paths.get(name.lower(), paths.get(name.lower() + "runner"))
    if path is None:
        raise UsageError(f"Unknown runner. Valid: {', '.join(RUNNERS)}, or a runner class's full "
                         f"path. Received: runner={name!r}")
    return path


def split_runner(beam_args):
    """(the runner class path, the other Beam options) of `beam_args`; the DirectRunner when
    they name none. UsageError for an unknown name, or the DaskRunner without dask installed."""
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    parser.add_argument("--runner", default="DirectRunner")
    known, rest = parser.parse_known_args(list(beam_args))
    runner = runner_path(known.runner)
    if runner == RUNNERS["DaskRunner"] and importlib.util.find_spec("distributed") is None:
        raise UsageError("--runner DaskRunner needs dask.distributed: pip install -e '.[dask]'")
    return runner, rest


def _pipeline_options(runner, beam_args, log_level, shard_count):
    """Beam's options: `beam_args` with `runner` and, where they set none, the workers' log
    level and a runner's defaults: the DirectRunner one worker process per core, the DaskRunner
    one dask task per shard (its own default puts up to 128 in one task)."""
    _import_beam()
    from apache_beam.options.pipeline_options import PipelineOptions

    args = [f"--runner={runner}", *beam_args]
    flags = " ".join(args)
    defaults = {"--default_sdk_harness_log_level": log_level}  # the workers' own logging
    if runner == RUNNERS["DirectRunner"]:
        defaults.update({"--direct_running_mode": "multi_processing",
                         "--direct_num_workers": os.cpu_count() or 1})
    if runner == RUNNERS["DaskRunner"] and "--dask_partition_size" not in flags:
        defaults["--dask_npartitions"] = shard_count
    args += [f"{flag}={value}" for flag, value in defaults.items() if flag not in flags]
    return PipelineOptions(args)


def _show_progress(bar, count, stop, every):
    """Update `bar` with count() every `every` seconds until `stop` is set, then close it."""
    while not stop.wait(every):
        bar.update(count())
    bar.update(count())
    bar.close()


def _plan(found, frames, examples_per_shard):
    """(shard specs, skipped items): the videos of a split dealt to shards per (split, method);
    those in no split are skipped."""
    skipped, by_split = list(found.skipped), {}
    for video in found.videos:
        if video.split is None:
            skipped.append({"item": video.key, "reason": "not in any split"})
            continue
        by_split.setdefault((video.split, video.method), []).append(shards.video_dict(video))
    return shards.plan_shards(by_split, frames, examples_per_shard), skipped


def _claim(out, settings, specs, overwrite):
    """Record the plan in {out}/.state/plan.json; refuse an `out` prepared with another plan
    (unless `overwrite`, which removes the previous preparation)."""
    import tensorflow as tf

    state = shards.join(out, shards.STATE)
    plan = {"settings": settings,
            "shards": [[s["split"], s["name"], s["index"], s["count"],
                        [v["video_id"] for v in s["videos"]]] for s in specs]}
    fingerprint = hashlib.sha256(json.dumps(plan, sort_keys=True).encode()).hexdigest()
    plan_file = shards.join(state, "plan.json")
    if overwrite and tf.io.gfile.exists(out):
        for sub in [shards.STATE, schema.MANIFEST] + list(splits_lib.SPLITS):
            stale = shards.join(out, sub)
            if tf.io.gfile.exists(stale):
                (tf.io.gfile.rmtree if tf.io.gfile.isdir(stale) else tf.io.gfile.remove)(stale)
    if tf.io.gfile.exists(plan_file):
        with tf.io.gfile.GFile(plan_file) as f:
            previous = json.load(f).get("fingerprint")
        if previous != fingerprint:
            raise UsageError(
                f"{out} holds a preparation with other settings or videos; rerun with --overwrite "
                f"or choose another --out")
    tf.io.gfile.makedirs(state)
    with tf.io.gfile.GFile(plan_file, "w") as f:
        json.dump({"fingerprint": fingerprint, **plan}, f)
    shards.remove_temporaries(out)


def _run_beam(out, specs, pending, settings, runner, beam_args, beam_log_level):
    """Write the `pending` shards with Beam, a progress bar on stderr meanwhile."""
    beam = _import_beam()

    options = _pipeline_options(runner, beam_args, beam_log_level, len(pending))
    WriteShard = _shard_dofn()
    pipeline = beam.Pipeline(options=options)
    (pipeline
     | "Shards" >> beam.Create(pending, reshuffle=False)
     | "Spread" >> beam.Reshuffle()
     | "Write" >> beam.ParDo(WriteShard(out, settings)))
    bar = ProgressBar(sum(len(s["videos"]) for s in specs), done=shards.videos_done(out, specs))
    stop = threading.Event()
    watcher = threading.Thread(
        target=_show_progress, daemon=True,
        args=(bar, lambda: shards.videos_done(out, specs), stop,
              POLL_SECONDS["local" if shards.is_local(out) else "remote"]))
    watcher.start()
    try:
        _finish(pipeline.run())
    finally:
        stop.set()
        watcher.join()


def _finish(result):
    """Wait for a Beam run to end, then close the DaskRunner's connection to its scheduler."""
    try:
        result.wait_until_finish()
    finally:
        if hasattr(result, "client"):
            result.client.close()


def _write_manifest(out, manifest):
    import tensorflow as tf

    path = shards.join(out, schema.MANIFEST)
    with tf.io.gfile.GFile(path + ".tmp", "w") as f:
        json.dump(manifest, f, indent=1)
    tf.io.gfile.rename(path + ".tmp", path, overwrite=True)


def prepare(found, out, settings, examples_per_shard=shards.EXAMPLES_PER_SHARD, overwrite=False,
            beam_args=(), beam_log_level="WARNING"):
    """Prepare the videos of `found` (a layouts.Layout with splits) into `out` with `settings`
    (make_settings); returns the manifest dict. beam_args: Beam pipeline options, --runner by a
    name of RUNNERS or a full path."""
    runner, beam_args = split_runner(beam_args)
    logging.getLogger("apache_beam").setLevel(beam_log_level)
    log.info("%s", found.summary())
    out = out.rstrip("/")
    specs, skipped = _plan(found, settings["frames"], examples_per_shard)
    _claim(out, settings, specs, overwrite)
    pending = [s for s in specs if not shards.shard_done(out, s)]
    total_videos = sum(len(s["videos"]) for s in specs)
    log.info("%d videos in %d shards; %d shards to write (%d already done)",
             total_videos, len(specs), len(pending), len(specs) - len(pending))
    if shards.is_local(out):  # the progress log restarts from the finished shards
        done_videos = sum(len(s["videos"]) for s in specs if s not in pending)
        with open(shards.progress_log(out), "w") as f:
            f.write("done\n" * done_videos)
    if pending:
        _run_beam(out, specs, pending, settings, runner, beam_args, beam_log_level)
    manifest = shards.build_manifest(out, specs, settings, found, skipped)
    _write_manifest(out, manifest)
    log.info("wrote %s: %s examples; %d items skipped",
             shards.join(out, schema.MANIFEST), manifest["totals"], len(manifest["skipped"]))
    return manifest
