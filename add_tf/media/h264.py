"""H.264 access units read without decoding: the NAL length prefix of a stream stored as in
MP4 / MKV, and whether an access unit is one that no other frame references."""


def nal_length_size(stream):
    """Bytes of the NAL length prefix of a PyAV H.264 `stream` stored as in MP4/MKV (avcC
    extradata), or None (another codec, or Annex B start codes)."""
    extradata = stream.codec_context.extradata or b""
    if stream.codec_context.name != "h264" or len(extradata) < 7 or extradata[0] != 1:
        return None
    return (extradata[4] & 3) + 1


def is_disposable(data, length_size):
    """True when an H.264 access unit (NAL units, each after a `length_size`-byte length) holds
    slices that are all non-reference (nal_ref_idc = 0): no other frame is predicted from it, so
    it can be left undecoded without changing any other frame. False when unsure."""
    slices, position = 0, 0
    while position + length_size < len(data):
        length = int.from_bytes(data[position:position + length_size], "big")
        header = data[position + length_size]
        position += length_size + length
        if length == 0 or position > len(data):
            return False
        if header & 0x1F in (1, 5):  # coded slice (non-IDR, IDR)
            if header & 0x60:
                return False
            slices += 1
    return slices > 0 and position == len(data)
