from add_tf.synthetic import tree


def test_split_pairs_keeps_every_split():
    pairs = [[f"{2 * k:03d}", f"{2 * k + 1:03d}"] for k in range(42)]
    cut = tree.split_pairs(pairs)
    assert [len(cut[s]) for s in ("train", "val", "test")] == [24, 5, 13]
    assert sum(cut.values(), []) == pairs
    assert [len(tree.split_pairs(pairs[:3])[s]) for s in ("train", "val", "test")] == [1, 1, 1]
