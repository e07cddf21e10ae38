"""Shared test set-up: two logical CPU devices (for MirroredStrategy tests), each test's tier
marker (its directory: unit, integration or e2e), the shared data, a tiny prepared demo tree
(generated once per session, only when a test uses it) and a hand-made run dir."""

import os
import pathlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest
import tensorflow as tf

_cpus = tf.config.list_physical_devices("CPU")
tf.config.set_logical_device_configuration(
    _cpus[0], [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()]
)

from testdata import SHARED_DATA  # noqa: E402
from tiny_models import make_run  # noqa: E402
from tiny_prepare import prepare_tiny  # noqa: E402

TIERS = ("unit", "integration", "e2e")
TESTS = pathlib.Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    """Marks every test under tests/TIER/ with the marker TIER (`-m unit` selects a tier)."""
    for item in items:
        path = pathlib.Path(item.path).resolve()
        if TESTS in path.parents and path.relative_to(TESTS).parts[0] in TIERS:
            item.add_marker(path.relative_to(TESTS).parts[0])


@pytest.fixture
def shared_data():
    """`../shared/data` next to the checkout; the test is skipped when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared test data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="module")
def tiny_run_dir(tmp_path_factory):
    """A hand-made run dir of one test module: tiny_models.make_run (the 4-stage convnet, 32 px,
    the demo config)."""
    return make_run(tmp_path_factory.mktemp("detect") / "run")


@pytest.fixture(scope="session")
def tiny_tree(tmp_path_factory):
    """A small demo-generated FF++ tree: 6 ids (3 pairs), 8 frames of 64 px, raw/c23/c40."""
    from add_tf.synthetic.tree import generate_demo_tree

    root = tmp_path_factory.mktemp("tiny") / "ffpp"
    generate_demo_tree(str(root), seed=1, num_ids=6, frames=8, size=64)
    return root


@pytest.fixture(scope="session")
def tiny_data_dir(tiny_tree, tmp_path_factory):
    """A data dir whose `demo/` holds the tiny tree prepared (4 faces per video, 32 px): what
    `add_tf.fit --dataset demo --data-dir` reads. Shared: tests must not write into it."""
    base = tmp_path_factory.mktemp("data")
    prepare_tiny(tiny_tree, base / "demo")
    return base
