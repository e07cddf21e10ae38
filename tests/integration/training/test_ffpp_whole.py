"""FaceForensics++ as a whole (`--dataset ffpp`): records holding four manipulations, reals 1 in 5
faces. The training batches the loop reads read the records in their own proportions by
default (reals 1 in 5) and, with data.balance=classes, draw the reals half of the time and each
manipulation an eighth; a tiny fit trains on them and its run and card name
the set."""

import collections
import json

import pytest
import tensorflow as tf

from add_tf import fit
from add_tf.data import training_set
from add_tf.training import loop
from tiny_models import TINY_FIT
from tiny_prepare import prepare_ffpp_methods

FOUR = ("Deepfakes", "Face2Face", "FaceShifter", "NeuralTextures")


@pytest.fixture(scope="module")
def ffpp_data_dir(tmp_path_factory):
    """A data dir whose ffpp/ holds a demo tree of four manipulation folders, prepared."""
    from add_tf.synthetic.tree import generate_demo_tree

    base = tmp_path_factory.mktemp("ffpp-whole")
    tree = base / "tree"
    generate_demo_tree(str(tree), seed=1, num_ids=6, frames=8, size=64, ffpp_methods=True)
    prepare_ffpp_methods(tree, base / "data" / "ffpp")
    return base / "data"


def _config(data_dir, *argv):
    return fit.resolve_config(fit.build_parser().parse_args(
        ["--dataset", "ffpp", "--data-dir", str(data_dir), "--method", "none", *argv]))


def _methods_read(config, batches):
    """Counts of the record sets of the elements of `batches` training batches."""
    records, manifest = training_set.require(config)
    ds = loop.make_split(config, records, "train", True, tf.distribute.get_strategy(),
                         training_set.balances(config, manifest))
    counts = collections.Counter()
    for (_, _), labels in ds.take(batches):
        counts.update(labels.numpy().tolist())
    return counts


def test_reals_and_every_manipulation_reach_the_batches_in_the_chosen_shares(ffpp_data_dir):
    from add_tf.data import make_dataset

    config = _config(ffpp_data_dir, "--set", "train.batch_size=16", "data.balance=classes")
    records, manifest = training_set.require(config)
    assert records.sets == "all" and sorted(training_set.held_fakes(manifest)) == list(FOUR)
    assert training_set.balances(config, manifest)
    assert training_set.balances(_config(ffpp_data_dir, "--set", "data.balance=auto"), manifest)
    counts = _methods_read(config, 60)
    assert counts[0] / sum(counts.values()) == pytest.approx(0.5, abs=0.07)
    ds = make_dataset(records.records_dir, records.sets, "train", "c40", "c40", batch_size=16,
                      training=True, repeat=True, seed=0, with_meta=True, balance=True)
    shares = collections.Counter()
    for _, _, meta in ds.take(60):
        shares.update(m.decode() for m in meta["method"].numpy())
    total = sum(shares.values())
    assert shares["original"] / total == pytest.approx(0.5, abs=0.07)
    for name in FOUR:
        assert shares[name] / total == pytest.approx(0.125, abs=0.05), shares
    # read as they are (the default), the reals are 1 in 5 faces
    unbalanced = _methods_read(_config(ffpp_data_dir, "--set", "train.batch_size=16"), 60)
    assert unbalanced[0] / sum(unbalanced.values()) == pytest.approx(0.2, abs=0.07)


def test_a_tiny_fit_on_ffpp_as_a_whole(ffpp_data_dir, tmp_path):
    runs_root = tmp_path / "runs"
    run_dir = fit.main(["--dataset", "ffpp", "--data-dir", str(ffpp_data_dir), "--runs-root",
                        str(runs_root), "--method", "add", "--backbone", "resnet18",
                        "--verbose", "0", *TINY_FIT, "model.weights=null"])
    assert run_dir == str(runs_root / "ffpp" / "resnet18" / "c40" / "add-seed0")
    card = json.loads((runs_root / "ffpp" / "resnet18" / "c40" / "add-seed0"
                       / "model_card.json").read_text())
    assert card["training_set"]["dataset"] == "ffpp"
    assert card["training_set"]["teacher_quality"] == "raw"
    assert (runs_root / "ffpp" / "resnet18" / "raw" / "teacher" / "student.keras").exists()
    subset = fit.main(["--dataset", "ffpp", "--fakes", "Face2Face", "--data-dir",
                       str(ffpp_data_dir), "--runs-root", str(runs_root), "--method", "none",
                       "--backbone", "resnet18", "--verbose", "0", "--no-evaluate", *TINY_FIT,
                       "model.weights=null"])
    assert subset == str(runs_root / "ffpp-Face2Face" / "resnet18" / "c40" / "none-seed0")
