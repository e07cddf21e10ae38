import importlib.util
from types import SimpleNamespace

import pytest

from add_tf.core.errors import UsageError
from add_tf.media.crop_recipe import CropRecipe
from pipelines.preparation import job

DASK = "apache_beam.runners.dask.dask_runner.DaskRunner"


def test_runner_names_and_full_paths():
    for name in ("DaskRunner", "daskrunner", "Dask", "dask"):  # any case, "Runner" optional
        assert job.runner_path(name) == DASK
    assert job.runner_path("direct") == job.RUNNERS["DirectRunner"]
    assert job.runner_path("FlinkRunner") == job.RUNNERS["FlinkRunner"]
    assert job.runner_path("my_lab.beam.ClusterRunner") == "my_lab.beam.ClusterRunner"
    assert all(path.rsplit(".", 1)[1] == name for name, path in job.RUNNERS.items())


def test_unknown_runner_is_one_line_naming_the_valid_ones():
    with pytest.raises(UsageError) as error:
        job.runner_path("Daskk")
    message = str(error.value)
    assert "\n" not in message and message.endswith("Received: runner='Daskk'")
    assert ", ".join(job.RUNNERS) in message


def test_split_runner(monkeypatch):
    assert job.split_runner(["--direct_num_workers=1"]) == (
        job.RUNNERS["DirectRunner"], ["--direct_num_workers=1"])
    assert job.split_runner(["--runner=flink", "--flink_master=h:8081"]) == (
        job.RUNNERS["FlinkRunner"], ["--flink_master=h:8081"])
    dask_args = ["--runner", "DaskRunner", "--dask_client_address", "tcp://h:8786"]
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: object())
    assert job.split_runner(dask_args) == (DASK, ["--dask_client_address", "tcp://h:8786"])
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)  # dask not installed
    with pytest.raises(UsageError, match=r"pip install -e '\.\[dask\]'"):
        job.split_runner(dask_args)


def test_settings_record_the_crop_recipe():
    """The manifest's settings hold the recipe's fields: those given, the defaults for the rest
    (detector names as registered)."""
    found = SimpleNamespace(root="r", qualities=["raw", "c23"], methods=["Deepfakes"],
                            splits="official")
    settings = job.make_settings(found, "ffpp", "ffpp", frames=8, box_scale=1.5,
                                 detector="none", size=32)
    assert CropRecipe.from_dict(settings, "settings") == CropRecipe(
        box_scale=1.5, detector="full-frame", size=32)
    assert CropRecipe.recorded(settings) == CropRecipe(
        box_scale=1.5, detector="full-frame", size=32).to_dict()
    assert (settings["frames"], settings["qualities"], settings["detect_quality"]) == (
        8, ["raw", "c23"], "raw")
