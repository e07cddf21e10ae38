"""Train/val/test assignment by video (never by frame), keeping FF++ pairs together.

Official `splits/{train,val,test}.json`: lists of [a, b] pairs; pair [a, b] puts reals a, b and
fakes a_b, b_a in the same split. Without them: a deterministic split of the same 720/140/140
shape over connected groups of ids (ids linked by a fake a_b stay together).
"""

import hashlib
import json
import os

SPLITS = ("train", "val", "test")
FRACTIONS = (0.72, 0.14, 0.14)  # 720 / 140 / 140 of 1000
SHARES = "/".join(f"{round(100 * f)}" for f in FRACTIONS)  # "72/14/14", as manifests say it


def load_official(splits_dir):
    """{id or fake id: split} from splits/{train,val,test}.json."""
    mapping = {}
    for split in SPLITS:
        path = os.path.join(splits_dir, f"{split}.json")
        if not os.path.isfile(path):
            raise FileNotFoundError(
                f"Split file {path} not found (expected {', '.join(SPLITS)}.json)")
        with open(path) as f:
            pairs = json.load(f)
        for pair in pairs:
            a, b = [str(x) for x in pair]
            for key in (a, b, f"{a}_{b}", f"{b}_{a}"):
                mapping[key] = split
    return mapping


def _target_source(video_id):
    """'000_003' -> ('000', '003'); DeepFakeDetection '01_02__scene__x' -> ('01', '02')."""
    head = video_id.split("__")[0]
    parts = head.split("_")
    if len(parts) >= 2:
        return parts[0], parts[1]
    return parts[0], None


def groups(video_ids):
    """Connected groups of base ids (union-find over fakes target_source)."""
    parent = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for vid in video_ids:
        a, b = _target_source(vid)
        find(a)
        if b is not None:
            parent[find(a)] = find(b)
    out = {}
    for x in list(parent):
        out.setdefault(find(x), []).append(x)
    return sorted(sorted(g) for g in out.values())


def hash_split(groups, seed=0, fractions=FRACTIONS):
    """{split: [group, ...]}: groups (lists of names that must stay together) ordered by a
    seeded hash of their names and cut by count in `fractions` (train, val, test; a 0 leaves
    that split empty). With at least as many groups as non-empty splits, each gets one."""
    gs = sorted(groups, key=lambda g: hashlib.sha256(f"{seed}:{','.join(g)}".encode()).hexdigest())
    active = [(split, f) for split, f in zip(SPLITS, fractions) if f > 0]
    total, n, start = sum(f for _, f in active), len(gs), 0
    out = {split: [] for split in SPLITS}
    for i, (split, fraction) in enumerate(active):
        later = len(active) - i - 1
        size = n - start
        if later:
            size = int(round(fraction / total * n))
            if n >= len(active):
                size = min(max(size, 1), n - start - later)
        out[split] = gs[start:start + size]
        start += size
    return out


def generated_pairs(video_ids, seed=0):
    """{split: [group, ...]}: FF++ id groups (`groups`) cut 72/14/14 by `hash_split`."""
    return hash_split(groups(video_ids), seed)


def generated_mapping(video_ids, seed=0):
    mapping = {}
    for split, gs in generated_pairs(video_ids, seed).items():
        for g in gs:
            for base in g:
                mapping[base] = split
    return mapping


def write_split_files(splits_dir, pairs_by_split):
    """Write FF++-style split files: {split: [[a, b], ...]}."""
    os.makedirs(splits_dir, exist_ok=True)
    for split in SPLITS:
        with open(os.path.join(splits_dir, f"{split}.json"), "w") as f:
            json.dump(pairs_by_split.get(split, []), f)


def assign(video_id, mapping):
    """Split of a video id (real or fake) or None when the mapping does not know it."""
    if video_id in mapping:
        return mapping[video_id]
    a, b = _target_source(video_id)
    if a in mapping and (b is None or mapping.get(b, mapping[a]) == mapping[a]):
        return mapping[a]
    return None


def resolve(video_ids, splits_dir=None, seed=0):
    """(mapping, description). splits_dir None = generated split."""
    if splits_dir:
        return load_official(splits_dir), f"official split files in {splits_dir}"
    description = f"generated {SHARES} split (seed {seed}), pairs kept together"
    return generated_mapping(video_ids, seed), description
