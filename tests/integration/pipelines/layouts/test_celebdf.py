import pytest

from pipelines.layouts import celebdf
from tiny_prepare import celebdf_tree


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    return celebdf_tree(tmp_path_factory.mktemp("celebdf"))


def test_test_list_is_the_test_split_and_the_rest_splits_by_identity(tree):
    found = celebdf.discover(tree)
    split = {v.video_id: v.split for v in found.videos}
    assert sorted(p for p, s in split.items() if s == "test") == [
        "Celeb-real/id0_0001.mp4", "Celeb-real/id5_0000.mp4", "Celeb-synthesis/id2_id3_0000.mp4",
        "YouTube-real/00001.mp4"]
    assert {s for p, s in split.items() if s != "test"} <= {"train", "val"}
    of_identity = {celebdf.identities(p)[0]: s for p, s in split.items()
                   if p.startswith("Celeb-real/") and s != "test"}
    kept_fakes = [p for p in split if p.startswith("Celeb-synthesis/") and split[p] != "test"]
    for fake in kept_fakes:  # a fake and both its identities share one split
        assert {of_identity[i] for i in celebdf.identities(fake)} == {split[fake]}
    left_out = {item["item"]: item["reason"] for item in found.skipped}
    assert left_out.pop("Celeb-synthesis/id9_id8_0000.mp4") == (
        "listed in List_of_testing_videos.txt but absent")
    for fake, reason in left_out.items():
        assert "different splits" in reason
        assert len({of_identity[i] for i in celebdf.identities(fake)}) == 2
    assert len(kept_fakes) + len(left_out) == 4  # the 5 fakes less the listed test one
    labels = {v.video_id: (v.label, v.method) for v in found.videos}
    assert labels["YouTube-real/00001.mp4"] == (0, "original")
    assert labels["Celeb-synthesis/id2_id3_0000.mp4"] == (1, "CelebDF")
    assert found.qualities == ["c23"] and found.methods == ["CelebDF"]
    assert found.found == {"Celeb-real": {"c23": 7}, "YouTube-real": {"c23": 2},
                           "Celeb-synthesis": {"c23": 5}}


def test_named_quality_mirror_trees_and_no_test_list(tree, tmp_path):
    found = celebdf.discover(tree, quality="c40")
    assert found.qualities == ["c40"] and set(found.videos[0].paths) == {"c40"}
    with pytest.raises(FileNotFoundError,
                       match="qualities present: c23.*pipelines.compress --layout celebdf"):
        celebdf.discover(tree, qualities=["c23", "c40"])
    (tmp_path / "Celeb-real").mkdir()
    (tmp_path / "Celeb-real" / "id0_0000.mp4").symlink_to(tree / "Celeb-real" / "id0_0000.mp4")
    mirror = tmp_path / "c40" / "Celeb-real" / "id0_0000.mp4"
    mirror.parent.mkdir(parents=True)
    mirror.symlink_to(tree / "Celeb-real" / "id0_0001.mp4")
    found = celebdf.discover(tmp_path)
    assert found.qualities == ["c23", "c40"]
    assert found.videos[0].paths == {"c23": str(tmp_path / "Celeb-real" / "id0_0000.mp4"),
                                     "c40": str(mirror)}
    assert any("List_of_testing_videos.txt not found" in p for p in found.problems)
    assert any("YouTube-real is missing" in p for p in found.problems)


def test_errors_name_what_was_expected(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        celebdf.discover(tmp_path / "none")
    with pytest.raises(FileNotFoundError, match="Celeb-real, YouTube-real, Celeb-synthesis"):
        celebdf.discover(tmp_path)
    with pytest.raises(ValueError, match="Received: quality='c99'"):
        celebdf.discover(tmp_path, quality="c99")
