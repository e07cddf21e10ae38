import pytest

from add_tf.data import (
    records_location,
)


def test_records_location():
    assert records_location("d", "demo") == ("d/demo", "Demo")
    assert records_location("d", "faceswap") == ("d/ffpp", "FaceSwap")
    with pytest.raises(ValueError, match="deepfakes"):
        records_location("d", "celebdf")
