"""Hostile values for every key of the config, by the declared type of its field: what a user may
type in `--set`, a YAML file or, by hand, a run dir's config.yaml."""

import dataclasses

from add_tf.core import config as config_lib

HOSTILE = {
    int: ["abc", "-1", "1.5", "[1]", "true"],
    float: ["abc", "nan", "inf", "[1]", "true", "-1"],
    bool: ["maybe", "2", "[true]", ""],
    str: ["", "no_such_name", "on"],
    int | None: ["abc", "-1", "1.5", "on"],
    str | None: ["on", "yes", "true", "123", "no_such_file.h5"],
    tuple[str, ...]: ["[foo]", "[]", "[1, 2]", "{a: 1}", "[layer2, layer2]"],
    tuple[str, ...] | None: ["[foo]", "[]", "[1, 2]", "{a: 1}", "[layer2, layer2]"],
    tuple[float, ...]: ["[a, b, c]", "[1, -1, 2]", "[1, 2]", "[]", "x"],
}


def hostile_cases(special):
    """[(section.key, value)]: the HOSTILE values of each key's type, or the values `special`
    ({section.key: values}) gives for that key."""
    return [(f"{section.name}.{f.name}", value)
            for section in dataclasses.fields(config_lib.Config)
            for f in dataclasses.fields(section.default_factory)
            for value in special.get(f"{section.name}.{f.name}", HOSTILE[f.type])]
