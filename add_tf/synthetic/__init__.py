"""The demo generator: synthetic FaceForensics++-shaped face videos (.render, .fakes the fake
kinds registry, .videos, .tree generate_demo_tree), their records (.demo_data
ensure_demo_records) and the noise probe (.difficulty difficulty_check)."""
