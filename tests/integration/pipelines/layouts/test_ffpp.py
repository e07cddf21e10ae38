import shutil

import pytest

from add_tf.core.errors import UsageError
from pipelines.layouts import ffpp


def test_discover_tiny_tree(tiny_tree):
    found = ffpp.scan(tiny_tree)
    assert found.qualities == ["raw", "c23", "c40"]
    assert found.methods == ["Demo"]
    originals = [v for v in found.videos if v.method == "original"]
    fakes = [v for v in found.videos if v.method == "Demo"]
    assert len(originals) == 6 and len(fakes) == 6
    assert all(v.label == 1 for v in fakes) and all(v.label == 0 for v in originals)
    assert set(fakes[0].paths) == {"raw", "c23", "c40"}
    assert "Demo" in found.summary()


def test_unknown_method_is_an_error(tiny_tree):
    with pytest.raises(UsageError, match="Valid: Deepfakes"):
        ffpp.scan(tiny_tree, methods=["DeepFakes2"])


def test_missing_method_folder_and_quality(tiny_tree, tmp_path):
    found = ffpp.scan(tiny_tree, methods=["Demo", "Face2Face"])
    assert found.methods == ["Demo"] and any("Face2Face" in p for p in found.problems)
    copy = tmp_path / "t"
    shutil.copytree(tiny_tree, copy)
    shutil.rmtree(copy / "manipulated_sequences" / "Demo" / "c40")
    found = ffpp.scan(copy)
    assert any("Demo/c40" in p for p in found.problems)
    fakes = [v for v in found.videos if v.method == "Demo"]
    assert all("c40" not in v.paths for v in fakes)


def test_quality_absent_everywhere(tiny_tree, tmp_path):
    copy = tmp_path / "t"
    shutil.copytree(tiny_tree, copy)
    for sub in ["original_sequences/youtube/raw", "manipulated_sequences/Demo/raw"]:
        shutil.rmtree(copy / sub)
    assert ffpp.scan(copy).qualities == ["c23", "c40"]
    with pytest.raises(FileNotFoundError, match="qualities present: c23, c40"):
        ffpp.scan(copy, qualities=["raw", "c40"])


def test_shared_mini_layout(shared_data):
    found = ffpp.scan(shared_data / "ffpp_c23_mini")
    assert found.qualities == ["c23"]
    assert found.methods == ["Deepfakes", "Face2Face", "FaceSwap", "NeuralTextures"]
    assert len([v for v in found.videos if v.method == "original"]) == 3
    assert len(found.videos) == 7
