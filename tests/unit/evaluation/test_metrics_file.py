"""add_tf.evaluation.metrics_file: the key a result is stored under in metrics.json."""

from add_tf.core import config as config_lib
from add_tf.evaluation import metrics_file


def test_metrics_key_names_the_set_quality_and_checkpoint():
    config = config_lib.Config()
    config.set("data.dataset", "demo")
    config.set("data.comp", "c40")
    assert metrics_file.metrics_key(config, "demo", "c40") == "test"
    assert metrics_file.metrics_key(config, "demo", "c23") == "test_demo_c23"
    assert metrics_file.metrics_key(config, "demo", "c40", metrics_file.LAST) == "test@last"
    checkpoint = "/r/checkpoints/best-v003.weights.h5"
    assert (metrics_file.metrics_key(config, "faceswap", "c40", checkpoint)
            == "test_faceswap_c40@best-v003.weights.h5")
