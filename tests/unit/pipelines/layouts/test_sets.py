from pipelines.layouts import Video, sets


def _video(name):
    return Video("x", name, 0, {})


def test_split_by_names_keeps_names_together_and_flags_straddlers():
    videos = [_video(f"v{i}") for i in range(40)]
    names = {v.video_id: (f"n{i % 10}",) for i, v in enumerate(videos)}
    assert sets.split_by_names(videos, lambda v: names[v.video_id]) == []
    by_name = {}
    for v in videos:
        by_name.setdefault(names[v.video_id], set()).add(v.split)
    assert all(len(s) == 1 for s in by_name.values())
    assert {s for (s,) in by_name.values()} == {"train", "val", "test"}
    split_of = {n: s for n, (s,) in by_name.items()}
    pair = [n for n in split_of if split_of[n] != split_of[("n0",)]][0]
    both = _video("both")
    apart = sets.split_by_names(videos + [both], lambda v: names.get(v.video_id, ("n0",) + pair))
    assert apart == [both] and both.split is None


def test_quality_paths_and_choice(tmp_path):
    assert sets.quality_path("/r", "a/b.mp4", "c23", "c23") == "/r/a/b.mp4"
    assert sets.quality_path("/r", "a/b.mp4", "c40", "c23") == "/r/c40/a/b.mp4"
    (tmp_path / "c40").mkdir()
    assert sets.choose_qualities(str(tmp_path), "c23", None, "dfdc") == ["c23", "c40"]
    assert sets.choose_qualities(str(tmp_path), "raw", ["c40"], "dfdc") == ["c40"]
