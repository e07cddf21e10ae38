import json

import pytest

from pipelines.layouts import dfdc
from tiny_prepare import dfdc_tree


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    return dfdc_tree(tmp_path_factory.mktemp("dfdc"))


def test_labels_and_split_by_original_across_parts(tree):
    found = dfdc.discover(tree)
    split = {v.video_id: v.split for v in found.videos}
    part0, part1 = "dfdc_train_part_0/", "dfdc_train_part_1/"
    assert split[part0 + "a.mp4"] == split[part0 + "b.mp4"] == split[part0 + "c.mp4"] == split[
        part1 + "f.mp4"]
    assert split[part0 + "d.mp4"] == split[part0 + "e.mp4"]
    assert split[part1 + "i.mp4"] == split[part1 + "j.mp4"]
    assert set(split.values()) <= {"train", "val", "test"}
    labels = {v.video_id: (v.label, v.method) for v in found.videos}
    assert labels[part0 + "a.mp4"] == (0, "original") and labels[part1 + "h.mp4"] == (1, "DFDC")
    assert found.found == {"dfdc_train_part_0": {"c23": 5}, "dfdc_train_part_1": {"c23": 4}}
    assert found.skipped == [
        {"item": part0 + "x.mp4", "reason": "listed in metadata.json but absent"},
        {"item": part0 + "u.mp4", "reason": "present but not listed in metadata.json (no label)"}]


def test_one_part_as_root_and_bad_metadata(tree, tmp_path):
    found = dfdc.discover(tree / "dfdc_train_part_1")
    assert sorted(v.video_id for v in found.videos) == ["f.mp4", "h.mp4", "i.mp4", "j.mp4"]
    assert {v.label for v in found.videos} == {1} and found.methods == ["DFDC"]
    (tmp_path / "dfdc_train_part_7").mkdir()
    (tmp_path / "dfdc_train_part_7" / "metadata.json").write_text("{not json")
    part = tmp_path / "dfdc_train_part_8"
    part.mkdir()
    (part / "metadata.json").write_text(json.dumps({"a.mp4": {"label": "MAYBE"}}))
    (part / "a.mp4").symlink_to(tree / "dfdc_train_part_0" / "a.mp4")
    with pytest.raises(FileNotFoundError, match="No labelled video.*dfdc_train_part_7"):
        dfdc.discover(tmp_path)
    (part / "metadata.json").write_text(json.dumps({"a.mp4": {"label": "REAL"}, "b.mp4": "FAKE"}))
    (part / "b.mp4").symlink_to(tree / "dfdc_train_part_0" / "b.mp4")
    found = dfdc.discover(tmp_path)
    assert [v.video_id for v in found.videos] == ["dfdc_train_part_8/a.mp4"]
    assert found.skipped == [{"item": "dfdc_train_part_8/b.mp4",
                              "reason": "label not REAL or FAKE in metadata.json"}]
    assert any("dfdc_train_part_7/metadata.json is unreadable" in p for p in found.problems)
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="expected .*dfdc_train_part_0/metadata.json"):
        dfdc.discover(tmp_path / "empty")
