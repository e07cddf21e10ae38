"""A quiet console: the demo comparison, run as from a shell without TF_CPP_MIN_LOG_LEVEL,
prints the command's own lines, Keras's progress lines and the results table, nothing else."""

import os
import pathlib
import subprocess
import sys

from tiny_models import TINY_FIT

REPO = pathlib.Path(__file__).resolve().parents[2]
NOISE = (
    "absl::InitializeLog",  # absl's notice before TensorFlow's start-up lines
    "oneDNN",  # the oneDNN notice and its int32 fallback
    "cuda drivers",
    "cuInit",
    "cpu_feature_guard",
    "This TensorFlow binary is optimized",
    "tf.function retracing",
    "`shuffle=True` was passed",
    "Your input ran out of data",
    "apitools not found",
    "Warning:",  # any Python warning line
)


def test_fit_prints_only_its_lines_and_progress(tmp_path, tiny_data_dir):
    env = {k: v for k, v in os.environ.items()
           if k not in ("TF_CPP_MIN_LOG_LEVEL", "TF_CONFIG", "PYTHONWARNINGS")}
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    done = subprocess.run(
        [sys.executable, "-m", "add_tf.fit", "--data-dir", str(tiny_data_dir),
         "--runs-root", str(tmp_path / "runs"), *TINY_FIT],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "Test results (demo):" in done.stdout
    assert [noise for noise in NOISE if noise in output] == [], output
    progress = ("[fit] ", "Epoch ", "1/1 - ")
    table = done.stdout[done.stdout.index("Test results"):].splitlines()
    others = [line for line in output.splitlines()
              if line.strip() and not line.startswith(progress) and line not in table]
    assert others == [], output
