import json

from pipelines.layouts import splits


def test_official_pairs_keep_fakes_together(shared_data):
    mapping = splits.load_official(shared_data / "ffpp_c23_mini" / "splits")
    assert splits.assign("519", mapping) == "train" and splits.assign("515_519", mapping) == "train"
    assert splits.assign("004", mapping) == "val" and splits.assign("004_982", mapping) == "val"
    assert splits.assign("634_660", mapping) == "test"
    assert splits.assign("750_743", mapping) == "train"
    sizes = {s: sum(1 for v in mapping.values() if v == s) for s in splits.SPLITS}
    assert sizes["train"] > sizes["val"] > 0


def test_generated_split_shape_and_pairs():
    ids = [f"{i:03d}" for i in range(1000)]
    fakes = [f"{ids[2 * k]}_{ids[2 * k + 1]}" for k in range(500)]
    fakes += [f"{ids[2 * k + 1]}_{ids[2 * k]}" for k in range(500)]
    mapping = splits.generated_mapping(ids + fakes, seed=0)
    counts = {s: sum(1 for i in ids if mapping[i] == s) for s in splits.SPLITS}
    assert counts == {"train": 720, "val": 140, "test": 140}
    for fake in fakes:
        a, b = fake.split("_")
        assert mapping[a] == mapping[b] == splits.assign(fake, mapping)
    assert mapping == splits.generated_mapping(ids + fakes, seed=0)  # deterministic
    assert mapping != splits.generated_mapping(ids + fakes, seed=1)


def test_write_and_reload(tmp_path):
    splits.write_split_files(tmp_path,
                             {"train": [["1", "2"]], "val": [["3", "4"]], "test": [["5", "6"]]})
    assert json.loads((tmp_path / "val.json").read_text()) == [["3", "4"]]
    mapping = splits.load_official(tmp_path)
    assert splits.assign("2_1", mapping) == "train" and splits.assign("9", mapping) is None


def test_hash_split_fractions_and_small_counts():
    groups = [[f"g{i}"] for i in range(100)]
    cut = splits.hash_split(groups, seed=0)
    assert [len(cut[s]) for s in splits.SPLITS] == [72, 14, 14]
    cut = splits.hash_split(groups, seed=0, fractions=(0.72, 0.14, 0))
    assert [len(cut[s]) for s in splits.SPLITS] == [84, 16, 0]
    assert sorted(sum(cut.values(), [])) == sorted(groups)
    assert [len(splits.hash_split(groups[:3])[s]) for s in splits.SPLITS] == [1, 1, 1]
    assert [len(splits.hash_split(groups[:2], fractions=(0.72, 0.14, 0))[s])
            for s in splits.SPLITS] == [1, 1, 0]
