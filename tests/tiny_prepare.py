"""Runs pipelines.prepare on a tiny tree with fast settings (full-frame detector, 4 frames, 32 px)."""


def prepare_tiny(tree, out, *extra):
    from pipelines import prepare

    return prepare.run(["--ffpp-root", str(tree), "--out", str(out), "--detector", "full-frame",
                        "--frames", "4", "--size", "32", "--direct_running_mode=in_memory",
                        "--direct_num_workers=1", *extra])
