"""Images, video frames and faces, as RGB uint8 arrays:

    files        which files are images / videos; MediaError, the one error for a bad file
    images       reading an image (any channels, any depth) as RGB
    video        frame counts, evenly sampled indices, decoding only the frames asked for
    h264         H.264 access units read without decoding (which ones nothing references)
    encoding     writing frames to a video (libx264 made deterministic on every CPU)
    faces        face detectors (a registry: MTCNN, full frame), square boxes, crops
    crop_recipe  how preparation cut its crops, which every consumer of a model repeats
"""
