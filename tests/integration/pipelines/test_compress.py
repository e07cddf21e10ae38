from add_tf.media.video import video_frame_count
from pipelines import compress
from pipelines.layouts import celebdf
from tiny_prepare import celebdf_tree, prepare_layout


def test_layout_c40_in_mirror_tree_then_prepared_with_both_qualities(tmp_path):
    tree = celebdf_tree(tmp_path / "tree")
    result = compress.run(["--layout", "celebdf", "--root", str(tree), "--workers", "1",
                           "--preset", "ultrafast"])
    assert result["ok"] == 13 and [src for src, _ in result["failed"]] == [
        str(tree / "Celeb-real" / "id5_0000.mp4")]  # the corrupt one
    mirror = tree / "c40" / "Celeb-real" / "id0_0000.mp4"
    assert video_frame_count(mirror, exact=True) == 6
    assert celebdf.discover(tree).qualities == ["c23", "c40"]
    manifest = prepare_layout("celebdf", tree, tmp_path / "out")
    assert manifest["settings"]["qualities"] == ["c23", "c40"]
    assert manifest["counts"]["test"]["CelebDF"]["qualities"] == {"c23": 4, "c40": 4}
