"""add_tf.core.names: the best quality of a set, and the key a result is stored under in a
run's metrics.json."""

from add_tf.core import names


def test_best_quality_follows_the_order_of_qualities():
    assert names.best_quality(["c40", "c23"]) == "c23"
    assert names.best_quality(("c40", "raw", "c23")) == "raw"
    assert names.best_quality(["c40"]) == "c40"
    assert names.best_quality(["c40", "hq"]) == "c40"  # a name it does not know comes after
    assert names.best_quality(["hq"]) == "hq"


def test_metrics_key_names_the_set_quality_split_and_checkpoint():
    assert names.metrics_key() == "test"
    assert names.metrics_key(checkpoint=names.LAST) == "test@last"
    assert names.metrics_key("faceswap", "c23") == "test_faceswap_c23"
    assert names.metrics_key("dfdc", "c23", "all") == "test_dfdc_c23_all"
    assert names.metrics_key("dfdc", "c23", "all", names.LAST) == "test_dfdc_c23_all@last"
    assert (names.metrics_key("celebdf", "c40", checkpoint="/r/checkpoints/best-v003.weights.h5")
            == "test_celebdf_c40@best-v003.weights.h5")
    assert names.metrics_key(checkpoint="runs/other/add-seed0/") == "test@add-seed0"
    keys = {names.metrics_key(s, q, split, c) for s in (None, "a") for q in ("c23", "c40")
            for split in ("test", "all") for c in (None, names.LAST, "x.keras")}
    assert len(keys) == 2 * 3 + 2 * 2 * 3  # one key per request ("test": the run's quality)
