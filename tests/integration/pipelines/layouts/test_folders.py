import pytest

from pipelines.layouts import folders
from tiny_prepare import folders_tree, write_clip


def test_videos_and_images_labels_and_groups(tmp_path):
    found = folders.discover(folders_tree(tmp_path))
    items = {v.video_id: v for v in found.videos}
    assert sorted(items) == ["fake/alice/0001.png", "fake/b.mp4", "fake/broken.jpg",
                             "real/a.mp4", "real/alice/0001.png", "real/alice/0002.png"]
    assert {(v.label, v.method) for v in items.values() if v.video_id.startswith("real/")} == {
        (0, "original")}
    assert {(v.label, v.method) for v in items.values() if v.video_id.startswith("fake/")} == {
        (1, "Fake")}
    alice = {items[p].split for p in items if "/alice/" in p}
    assert len(alice) == 1 and alice <= {"train", "val", "test"}
    assert found.skipped == [{"item": "fake/notes.txt", "reason": "not a video or an image"}]
    assert found.found == {"real": {"c23": 3}, "fake": {"c23": 3}}
    assert folders.group("real/alice/0001.png") == "alice" and folders.group("fake/b.mp4") == "b"


def test_one_class_and_nothing(tmp_path):
    write_clip(tmp_path / "fake" / "only.mp4")
    found = folders.discover(tmp_path, quality="raw")
    assert [v.label for v in found.videos] == [1] and found.qualities == ["raw"]
    assert any("real is missing" in p for p in found.problems)
    (tmp_path / "other").mkdir()
    with pytest.raises(FileNotFoundError, match="expected .*/real and .*/fake"):
        folders.discover(tmp_path / "other")
