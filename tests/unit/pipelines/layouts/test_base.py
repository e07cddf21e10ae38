"""pipelines.layouts.base: the layouts registered in order with their options, a video's key,
and a layout's summary (what was found, used, left out and noted)."""

import pytest

from pipelines import layouts
from pipelines.layouts import base


def test_the_layouts_in_order_with_their_own_options():
    assert layouts.names() == ("ffpp", "celebdf", "dfdc", "folders")
    assert layouts.get("ffpp").options == ("methods", "splits")
    assert layouts.get("ffpp").media_files is None  # its quality folders are its own
    assert all(layouts.get(name).options == ("quality",) and layouts.get(name).media_files
               for name in ("celebdf", "dfdc", "folders"))
    with pytest.raises(ValueError, match="Valid: ffpp, celebdf, dfdc, folders. Received: "
                                         "layout='faces'"):
        layouts.get("faces")


def test_register_keeps_the_function_and_refuses_a_taken_name(monkeypatch):
    monkeypatch.setattr(base.LAYOUTS, "entries", dict(base.LAYOUTS.entries))

    def discover(root, qualities=None, seed=0):
        return root

    assert base.register("mine", options=["quality"])(discover) is discover
    assert base.get("mine") == base.Entry("mine", discover, ("quality",), None)
    with pytest.raises(ValueError, match="Layout 'mine' is registered already"):
        base.register("mine")(discover)


def test_a_videos_key_is_its_set_and_id():
    video = base.Video("Deepfakes", "000_003", 1, {"c23": "/d/000_003.mp4"})
    assert video.key == "Deepfakes/000_003" and video.split is None


def test_the_summary_says_what_was_found_used_left_out_and_noted():
    layout = base.Layout(
        root="/data/celeb", methods=["Celeb-synthesis"], qualities=["c23"], videos=[],
        found={"Celeb-real": {"c23": 3}, "Celeb-synthesis": {}},
        problems=["YouTube-real/ is missing"],
        skipped=[{"item": "a.mp4", "reason": "unreadable"}, {"item": "b", "reason": "empty"},
                 {"item": "c.mp4", "reason": "unreadable"}],
        kind="Celeb-DF v2", splits="List_of_testing_videos.txt")
    assert layout.summary().splitlines() == [
        "Celeb-DF v2 at /data/celeb",
        "  Celeb-real         c23: 3",
        "  Celeb-synthesis    nothing",
        "  qualities used: c23",
        "  splits: List_of_testing_videos.txt",
        "  left out: 1 empty",
        "  left out: 2 unreadable",
        "  note: YouTube-real/ is missing",
    ]
