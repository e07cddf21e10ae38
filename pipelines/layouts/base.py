"""What every layout returns (Video, Layout) and the registry of layouts: a layout module
registers its `discover` with `register(name)`, and `get(name)` finds it.

discover(root, qualities=None, seed=0, **options) -> Layout whose videos have their split;
options are the layout's own (`Entry.options`: ffpp methods and splits, the sets' quality).
"""

import collections
import dataclasses

from add_tf.core.registry import Registry


@dataclasses.dataclass
class Video:
    method: str  # "original" or the method folder
    video_id: str  # "000" or "000_003"
    label: int  # 1 = fake
    paths: dict  # quality -> path (only qualities whose file exists)
    split: str = None  # train / val / test once assigned; None = in no split

    @property
    def key(self):
        return f"{self.method}/{self.video_id}"


@dataclasses.dataclass
class Layout:
    root: str
    methods: list  # names of the fake sources used ("original" holds the reals)
    qualities: list  # qualities used (best first)
    videos: list  # list[Video]: originals first, then each method
    found: dict  # source folder -> {quality: number of videos}
    problems: list  # human-readable notes (missing folders, ...)
    skipped: list = dataclasses.field(default_factory=list)  # [{"item", "reason"}] left out
    kind: str = "FaceForensics++ tree"
    splits: str = ""  # how the videos were assigned to splits

    def summary(self):
        lines = [f"{self.kind} at {self.root}"]
        for source, per_quality in self.found.items():
            counts = ", ".join(f"{q}: {n}" for q, n in per_quality.items()) or "nothing"
            lines.append(f"  {source:18s} {counts}")
        lines.append(f"  qualities used: {', '.join(self.qualities)}")
        if self.splits:
            lines.append(f"  splits: {self.splits}")
        reasons = collections.Counter(item["reason"] for item in self.skipped)
        lines.extend(f"  left out: {n} {reason}" for reason, n in sorted(reasons.items()))
        lines.extend(f"  note: {p}" for p in self.problems)
        return "\n".join(lines)


@dataclasses.dataclass(frozen=True)
class Entry:
    """A registered layout: its discover, the options it takes beyond root, qualities and seed,
    and media_files(root) -> paths relative to root of what pipelines.compress reads (None: the
    layout has its own quality folders)."""

    name: str
    discover: object
    options: tuple = ()
    media_files: object = None


LAYOUTS = Registry("layout")  # name -> Entry
names = LAYOUTS.names  # the registered layout names, in order of registration
get = LAYOUTS.get  # the Entry of a layout; ValueError naming the registered ones when unknown


def register(name, options=(), media_files=None):
    """Decorator: register `discover` as layout `name` (see Entry)."""
    options = tuple(options)
    return LAYOUTS.register(name, lambda discover: Entry(name, discover, options, media_files))
