"""Where the optional shared test data lives: `../shared/data` next to the checkout."""

import pathlib

SHARED_DATA = pathlib.Path(__file__).resolve().parents[1].parent / "shared" / "data"
