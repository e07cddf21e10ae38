"""add_tf.data.training_set: which records a run reads and under which name, the teacher's
quality from the records, and the checks before any work."""

import json
import os

import pytest

from add_tf.core import config as config_lib
from add_tf.core.errors import UsageError
from add_tf.data import training_set
from add_tf.data.manifest import read_manifest, record_set_names


def _manifest(records_dir, fakes=("CelebDF",), qualities=("c23", "c40"), reals=8, faked=8,
              **settings):
    os.makedirs(records_dir, exist_ok=True)
    counts = {"original": {"examples": reals}, **{name: {"examples": faked} for name in fakes}}
    manifest = {"settings": {"methods": ["original", *fakes], "qualities": list(qualities),
                             "size": 32, **settings},
                "counts": {"train": counts, "val": counts, "test": counts}}
    with open(os.path.join(records_dir, "manifest.json"), "w") as f:
        json.dump(manifest, f)
    return str(records_dir)


def _config(**data):
    config = config_lib.Config()
    for key, value in data.items():
        config.set(f"data.{key}", value)
    return config


def test_a_dataset_name_is_a_folder_of_the_data_dir_and_its_fakes():
    assert training_set.of(_config(dataset="demo", data_dir="d")) == training_set.TrainingSet(
        "d/demo", "demo", ("Demo",))
    faceswap = training_set.of(_config(dataset="faceswap", data_dir="d"))
    assert (faceswap.records_dir, faceswap.sets, faceswap.label) == (
        "d/ffpp", ("FaceSwap",), "faceswap")
    ffpp = training_set.of(_config(dataset="ffpp", data_dir="d"))
    assert (ffpp.records_dir, ffpp.sets, ffpp.label) == ("d/ffpp", "all", "ffpp")
    chosen = training_set.of(_config(dataset="ffpp", fakes="[Deepfakes, Face2Face]"))
    assert chosen.sets == ("Deepfakes", "Face2Face")
    assert chosen.label == "ffpp-Deepfakes+Face2Face"  # never the run dir of ffpp as a whole


def test_records_by_folder_take_the_name_and_best_quality_of_their_manifest(tmp_path):
    records = _manifest(tmp_path / "celeb", set="celebdf", qualities=("c23", "c40"))
    config = training_set.complete(_config(records=records))
    assert (config.data.dataset, config.data.teacher_comp) == ("celebdf", "c23")
    assert training_set.of(config) == training_set.TrainingSet(records, "celebdf", None)
    unnamed = _manifest(tmp_path / "mine", qualities=("raw", "c40"))
    config = training_set.complete(_config(records=unnamed, teacher_comp="c40"))
    assert (config.data.dataset, config.data.teacher_comp) == ("mine", "c40")
    # a dataset whose records are not prepared yet (the demo before its first run): raw
    assert training_set.complete(_config(data_dir=str(tmp_path / "none"))).data.teacher_comp \
        == "raw"



def test_records_are_one_absolute_path_however_spelt(tmp_path, monkeypatch):
    """A relative path or a trailing slash names the same folder: the same config (a run
    trained on it is found again, not "another config"), readable from any directory."""
    records = _manifest(tmp_path / "celeb", set="celebdf")
    monkeypatch.chdir(tmp_path)
    for spelt in ("celeb", "celeb/", "./celeb", records + "/"):
        assert training_set.complete(_config(records=spelt)).data.records == records


def test_record_sets_of_a_selection():
    every = ["original", "Deepfakes", "Face2Face"]
    assert record_set_names("all", every) == every
    assert record_set_names(("Face2Face",), every) == ["original", "Face2Face"]
    assert record_set_names("Deepfakes", every) == ["original", "Deepfakes"]
    assert record_set_names("original", every) == ["original"]


@pytest.mark.parametrize("manifest, data, with_teacher, message", [
    ({"size": 16}, {}, False, "hold 16-pixel crops; the models take at least 32: prepare them "
     "again with --size 32 or more"),
    ({}, {"fakes": "[DFDC]"}, False,
     "hold no fake set 'DFDC'; they hold: CelebDF. Received: data.fakes=['DFDC']"),
    ({"reals": 0}, {}, False, "holds no reals (0 real and 8 fake faces)"),
    ({"faked": 0}, {}, False, "holds no fakes (8 real and 0 fake faces)"),
    ({"qualities": ("c23",), "layout": "celebdf", "root": "/data/Celeb-DF-v2"}, {}, True,
     "hold one quality (c23); ADD and the other distillation methods need two"),
])
def test_records_that_cannot_train_the_run_are_one_line(tmp_path, manifest, data, with_teacher,
                                                        message):
    records = _manifest(tmp_path / "set", **manifest)
    config = training_set.complete(_config(records=records, **data))
    with pytest.raises(UsageError) as info:
        training_set.check(config, with_teacher)
    assert message in str(info.value) and records in str(info.value)
    assert "\n" not in str(info.value)
    if with_teacher:
        assert ("pipelines.compress --layout celebdf --root /data/Celeb-DF-v2 --to c40"
                in str(info.value))


def test_missing_or_damaged_manifests_are_one_line(tmp_path):
    with pytest.raises(UsageError, match=f"No manifest.json in {tmp_path / 'none'}"):
        training_set.complete(_config(records=str(tmp_path / "none")))
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "manifest.json").write_text("{cut")
    with pytest.raises(UsageError, match="manifest.json is not valid JSON"):
        training_set.complete(_config(records=str(tmp_path / "bad")))
    with pytest.raises(UsageError, match="No prepared data for dataset 'ffpp'"):
        training_set.require(_config(dataset="ffpp", data_dir=str(tmp_path)))


def test_classes_are_balanced_when_asked_or_auto_with_several_fake_sets(tmp_path):
    one = _manifest(tmp_path / "one")
    several = _manifest(tmp_path / "several", fakes=("Deepfakes", "Face2Face"))
    assert not training_set.balances(_config(records=several), {})  # the default: none
    assert not training_set.balances(_config(records=one, balance="auto"), {})
    assert training_set.balances(_config(records=several, balance="auto"),
                                 read_manifest(several))
    assert training_set.balances(_config(records=one, balance="classes"), {})
    assert not training_set.balances(_config(records=several, balance="none"), {})


def test_fakes_choose_among_sets_that_read_them_all():
    with pytest.raises(ValueError, match="'deepfakes' reads Deepfakes"):
        _config(dataset="deepfakes", fakes="[Face2Face]").validate()
    with pytest.raises(ValueError, match="data.fakes must name at least one fake set"):
        _config(dataset="ffpp", fakes="[]").validate()
    _config(dataset="ffpp", fakes="[Face2Face]").validate()
