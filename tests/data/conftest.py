import pytest


@pytest.fixture(scope="session")
def records(tmp_path_factory):
    """Prepared records from a tiny demo tree: 6 ids, 8 frames of 64 px, 4 faces per video."""
    from add_tf import demo
    from pipelines import prepare

    base = tmp_path_factory.mktemp("data")
    demo.generate_demo_tree(str(base / "tree"), seed=2, num_ids=6, frames=8, size=64)
    out = base / "demo"
    prepare.run(["--ffpp-root", str(base / "tree"), "--out", str(out), "--detector", "full-frame",
                 "--frames", "4", "--size", "32", "--direct_running_mode=in_memory"])
    return out
