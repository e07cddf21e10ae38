import pytest


@pytest.fixture(scope="session")
def records(tiny_data_dir):
    """Prepared records of the shared tiny demo tree: 6 ids, 4 faces per video, 32 px."""
    return tiny_data_dir / "demo"
