"""Data set layouts: which videos a data set's folder holds, their labels, qualities and splits.

Registered layouts, in this order: ffpp (FaceForensics++ tree, the default), celebdf (Celeb-DF
v2), dfdc (DFDC parts), folders (real/ and fake/ folders); `get(name).discover(root, ...)` ->
Layout (see .base).
"""

# The order of registration is the order of names().
# isort: off
from pipelines.layouts import ffpp, celebdf, dfdc, folders  # noqa: F401
# isort: on

from pipelines.layouts.base import Entry, Layout, Video, get, names, register  # noqa: F401
