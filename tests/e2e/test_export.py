"""Export round trip: SavedModel loads with plain TF (add_tf not importable) and matches Keras."""

import json
import os
import pathlib
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import tensorflow as tf

from add_tf import export
from add_tf.media.faces import crop_face
from add_tf.serving import export as serving_export
from add_tf.training import model_card
from tiny_models import SIZE, make_run


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    root = tmp_path_factory.mktemp("export")
    run = make_run(root / "run", real=True)  # the real ResNet18 classifier of add_tf.models
    target = export.main(["--run", str(run), "--out", str(root / "saved_models" / "tiny")])
    return run, target


def test_layout_and_versions(exported, tmp_path, capsys):
    run, target = exported
    assert target.name == "1" and (target / "saved_model.pb").is_file()
    meta = json.loads((target / "assets.extra" / "add_tf.json").read_text())
    assert meta["image_size"] == SIZE
    # the run's model card travels with the model
    card = json.loads((target / model_card.SAVED_MODEL_FILE).read_text())
    assert card == model_card.build_card(str(run)) and card["backbone"] == "resnet18"
    assert meta["crop"] == card["crop"]  # the crop recipe: None for a hand-made run
    # no temporary directory is left behind
    assert [p.name for p in target.parent.iterdir()] == ["1"]
    assert serving_export.next_version(target.parent) == 2
    with pytest.raises(SystemExit) as exit_info:
        export.main(["--run", str(run), "--out", str(target.parent), "--version", "1"])
    assert exit_info.value.code == 2
    assert f"{target} already exists" in capsys.readouterr().err
    assert [p.name for p in target.parent.iterdir()] == ["1"]


def test_saved_model_cli_lists_both_signatures(exported):
    _, target = exported
    cli = pathlib.Path(sys.executable).with_name("saved_model_cli")
    cmd = [str(cli)] if cli.exists() else ["saved_model_cli"]
    out = subprocess.run(cmd + ["show", "--dir", str(target), "--all"],
                         capture_output=True, text=True, check=True).stdout
    for name in ("serving_default", "serving_bytes", "fake_probability", "logits", "images",
                 "image_bytes", "embedding"):
        assert name in out


FRESH = textwrap.dedent(
    """
    import sys, json
    import numpy as np
    try:
        import add_tf
    except ImportError:
        pass
    else:
        raise SystemExit("add_tf is importable: " + str(add_tf.__file__))
    import tensorflow as tf
    model_dir, data_dir = sys.argv[1], sys.argv[2]
    loaded = tf.saved_model.load(model_dir)
    images = np.load(data_dir + "/images.npy")
    big = np.load(data_dir + "/big.npy")
    encoded = [open(data_dir + f"/{i}.png", "rb").read() for i in range(len(images))]
    out = loaded.signatures["serving_default"](images=tf.constant(images))
    out_big = loaded.signatures["serving_default"](images=tf.constant(big))
    out_b = loaded.signatures["serving_bytes"](image_bytes=tf.constant(encoded))
    np.savez(data_dir + "/out.npz", logits=out["logits"].numpy(),
             prob=out["fake_probability"].numpy(), emb=out["embedding"].numpy(),
             logits_big=out_big["logits"].numpy(), logits_bytes=out_b["logits"].numpy(),
             prob_bytes=out_b["fake_probability"].numpy(), size=loaded.image_size.numpy())
    """
)


def test_fresh_process_plain_tensorflow_matches_keras(exported, tmp_path):
    import keras

    run, target = exported
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (5, SIZE, SIZE, 3), dtype=np.uint8)
    big = rng.integers(0, 256, (3, 70, 50, 3), dtype=np.uint8)
    np.save(tmp_path / "images.npy", images)
    np.save(tmp_path / "big.npy", big)
    for i, image in enumerate(images):
        (tmp_path / f"{i}.png").write_bytes(tf.io.encode_png(image).numpy())
    script = tmp_path / "fresh.py"
    script.write_text(FRESH)
    # -I: isolated mode (no cwd / PYTHONPATH / user site on sys.path); cwd away from the repo.
    # The editable install of add_tf is hidden by a sitecustomize-free, path-filtered launcher.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    env["TF_CPP_MIN_LOG_LEVEL"] = "2"
    launcher = tmp_path / "launch.py"
    launcher.write_text(textwrap.dedent(
        """
        import sys, runpy
        # drop every import hook / path entry that would make add_tf importable (editable install)
        sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in repr(f).lower()
                            and "add_tf" not in repr(f)]
        sys.path_hooks[:] = [h for h in sys.path_hooks if "editable" not in repr(h).lower()]
        sys.path[:] = [p for p in sys.path if "/work/main" not in p and "__editable__" not in p]
        sys.path_importer_cache.clear()
        sys.argv = sys.argv[1:]
        runpy.run_path(sys.argv[0], run_name="__main__")
        """
    ))
    proc = subprocess.run([sys.executable, "-I", str(launcher), str(script), str(target),
                           str(tmp_path)], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = np.load(tmp_path / "out.npz")
    assert int(out["size"]) == SIZE

    student = keras.saving.load_model(run / "student.keras", compile=False)
    logits = keras.ops.convert_to_numpy(student(images.astype("float32"), training=False))
    prob = tf.nn.softmax(logits)[:, 1].numpy()
    np.testing.assert_allclose(out["logits"], logits, atol=1e-5, rtol=0)
    np.testing.assert_allclose(out["prob"], prob, atol=1e-5, rtol=0)
    np.testing.assert_allclose(out["logits_bytes"], logits, atol=1e-5, rtol=0)
    np.testing.assert_allclose(out["prob_bytes"], prob, atol=1e-5, rtol=0)
    assert out["emb"].shape[0] == 5 and out["emb"].ndim == 2
    # other sizes are resized inside, as the training crops are
    resized = np.stack([crop_face(image, (0, 0, 50, 70), SIZE) for image in big])
    logits_big = keras.ops.convert_to_numpy(student(resized.astype("float32"), training=False))
    np.testing.assert_allclose(out["logits_big"], logits_big, atol=1e-4, rtol=0)
