"""add_tf.data.manifest: what a records folder's manifest says (crop size, qualities, the demo's
draw, examples per split and record set), and one line when it is missing or damaged."""

import json

import pytest

from add_tf.core.errors import UsageError
from add_tf.data import manifest as manifest_lib

MANIFEST = {
    "settings": {"size": 32, "qualities": ["raw", "c40"], "methods": ["Deepfakes", "Face2Face"],
                 "generator": {"seed": 3, "ids": 6}},
    "counts": {"train": {"original": {"examples": 10}, "Deepfakes": {"examples": 4},
                         "Face2Face": {"examples": 6}},
               "val": {"original": {"examples": 2}}},
}


def _records(tmp_path, manifest=MANIFEST):
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    return tmp_path


def test_the_settings_of_a_manifest(tmp_path):
    manifest = manifest_lib.read_manifest(_records(tmp_path))
    assert manifest == MANIFEST
    assert manifest_lib.manifest_image_size(manifest) == 32
    assert manifest_lib.manifest_qualities(manifest) == ["raw", "c40"]
    assert manifest_lib.manifest_generator(manifest) == {"seed": 3, "ids": 6}


def test_an_older_or_other_sets_manifest_answers_none():
    assert manifest_lib.manifest_image_size({"size": "64"}) == 64  # before "settings"
    assert manifest_lib.manifest_image_size({}) is None
    assert manifest_lib.manifest_generator({"settings": {"size": 32}}) is None
    assert manifest_lib.manifest_qualities({}) == []


@pytest.mark.parametrize("method, examples", [
    ("Deepfakes", 14), (("Deepfakes", "Face2Face"), 20), ("all", 20), (None, 20),
    ("original", 10), ("FaceSwap", 10),  # a set the records do not hold adds nothing
])
def test_examples_are_the_originals_plus_the_chosen_fake_sets(tmp_path, method, examples):
    assert manifest_lib.count_examples(_records(tmp_path), method, "train") == examples


def test_decoded_bytes_are_examples_times_the_images_size():
    assert manifest_lib.decoded_bytes(MANIFEST, "Deepfakes", "train", qualities=2) == (
        14 * 32 * 32 * 3 * 2)


def test_a_split_the_manifest_lacks_names_the_ones_it_has(tmp_path):
    with pytest.raises(UsageError, match=r"Split 'test' not in the manifest of .*; it has: "
                                         r"train, val"):
        manifest_lib.count_examples(_records(tmp_path), "Deepfakes", "test")


def test_a_missing_manifest_names_what_the_folder_holds_and_how_to_prepare(tmp_path):
    (tmp_path / "train").mkdir()
    (tmp_path / "notes.txt").write_text("")
    with pytest.raises(FileNotFoundError) as info:
        manifest_lib.read_manifest(tmp_path)
    message = str(info.value)
    assert f"No manifest.json in {tmp_path} (the directory holds: notes.txt, train)" in message
    assert "python -m pipelines.prepare --layout {ffpp,celebdf,dfdc,folders}" in message
    with pytest.raises(FileNotFoundError, match=r"in \S+/none\. Prepare records first"):
        manifest_lib.read_manifest(tmp_path / "none")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match=r"\(the directory holds: nothing\)"):
        manifest_lib.read_manifest(tmp_path / "empty")


def test_a_damaged_manifest_is_one_line_with_the_remedy(tmp_path):
    (tmp_path / "manifest.json").write_text('{"settings": ')
    with pytest.raises(UsageError, match=r"manifest.json is not valid JSON .*--overwrite"):
        manifest_lib.read_manifest(tmp_path)
