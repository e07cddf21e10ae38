import pytest


@pytest.fixture(scope="session")
def tiny_tree(tmp_path_factory):
    """A small demo-generated FF++ tree: 6 ids (3 pairs), 8 frames of 64 px, raw/c23/c40."""
    from add_tf import demo

    root = tmp_path_factory.mktemp("tiny") / "ffpp"
    demo.generate_demo_tree(str(root), seed=1, num_ids=6, frames=8, size=64)
    return root


def prepare_tiny(tree, out, *extra):
    from pipelines import prepare

    return prepare.run(["--ffpp-root", str(tree), "--out", str(out), "--detector", "full-frame",
                        "--frames", "4", "--size", "32", "--direct_running_mode=in_memory",
                        "--direct_num_workers=1", *extra])


@pytest.fixture(scope="session")
def tiny_records(tiny_tree, tmp_path_factory):
    out = tmp_path_factory.mktemp("records") / "demo"
    manifest = prepare_tiny(tiny_tree, out)
    return out, manifest
