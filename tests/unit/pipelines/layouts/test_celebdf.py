from pipelines.layouts import celebdf


def test_identities_of_names():
    assert celebdf.identities("Celeb-real/id0_0003.mp4") == ("id0",)
    assert celebdf.identities("Celeb-synthesis/id12_id3_0007.mp4") == ("id12", "id3")
    assert celebdf.identities("YouTube-real/00012.mp4") == ("YouTube-real/00012.mp4",)
