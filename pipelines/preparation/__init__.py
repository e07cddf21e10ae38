"""Preparation of a data set: the Beam job that samples frames, finds faces and writes paired
face-crop records (.job, .shards, .video), and the compression of videos (.compression)."""
