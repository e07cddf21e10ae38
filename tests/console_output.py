"""A command run as from a shell, and the lines a quiet console must not show."""

import os
import pathlib
import subprocess
import sys

REPO = pathlib.Path(__file__).resolve().parents[1]

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


def command_env():
    """The environment of a command started by a test: the project importable, TensorFlow's C++
    logs at 2 unless set, no TF_CONFIG."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.pop("TF_CONFIG", None)
    return env


def run_command(module, argv, level=None, **env_vars):
    """`python -m module argv` in a fresh process whose TF_CPP_MIN_LOG_LEVEL is `level` (None:
    unset), without TF_CONFIG or PYTHONWARNINGS; asserts exit 0 and returns the process."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("TF_CPP_MIN_LOG_LEVEL", "TF_CONFIG", "PYTHONWARNINGS")}
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    if level is not None:
        env["TF_CPP_MIN_LOG_LEVEL"] = level
    env.update(env_vars)
    done = subprocess.run([sys.executable, "-m", module, *argv], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def noise(done):
    """The NOISE entries found in a process's stdout and stderr."""
    return [entry for entry in NOISE if entry in done.stdout + done.stderr]
