import json

import pytest


@pytest.fixture(scope="session")
def tiny_records(tiny_data_dir):
    """(records dir, manifest) of the shared tiny prepared tree."""
    out = tiny_data_dir / "demo"
    return out, json.loads((out / "manifest.json").read_text())
