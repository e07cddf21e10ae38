"""add_tf.media.h264: an access unit is disposable only when every slice in it is unreferenced."""

from add_tf.media.h264 import is_disposable


def _unit(header, payload=b"\x88\x80"):
    return len(payload + b"x").to_bytes(4, "big") + bytes([header]) + payload


def test_is_disposable_parses_nal_units():
    assert is_disposable(_unit(0x01), 4)  # non-IDR slice, nal_ref_idc 0
    assert not is_disposable(_unit(0x21), 4)  # referenced slice
    assert not is_disposable(_unit(0x65), 4)  # IDR
    assert is_disposable(_unit(0x06) + _unit(0x01), 4)  # SEI + unreferenced slice
    assert not is_disposable(_unit(0x06), 4)  # no slice at all
    assert not is_disposable(_unit(0x01)[:-1], 4)  # truncated: unsure, decode it
