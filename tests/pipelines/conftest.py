import pytest

from tiny_prepare import prepare_tiny


@pytest.fixture(scope="session")
def tiny_tree(tmp_path_factory):
    """A small demo-generated FF++ tree: 6 ids (3 pairs), 8 frames of 64 px, raw/c23/c40."""
    from add_tf import demo

    root = tmp_path_factory.mktemp("tiny") / "ffpp"
    demo.generate_demo_tree(str(root), seed=1, num_ids=6, frames=8, size=64)
    return root


@pytest.fixture(scope="session")
def tiny_records(tiny_tree, tmp_path_factory):
    out = tmp_path_factory.mktemp("records") / "demo"
    manifest = prepare_tiny(tiny_tree, out)
    return out, manifest
