"""Every default of add_tf in one place: the paper's values (Le & Woo, AAAI 2022, Sec. 4).

The command line (`--set section.key=value`, flags) and an optional YAML file only override these
dataclasses; every run writes the resolved `Config` as `config.yaml` next to its outputs.

One reader for every source (`read`): a value from the command line, a YAML file or a run's
config.yaml is read according to the declared type of its field (`parse_value`), then the whole
config is checked (`Config.validate`): a wrong type, a number out of its field's range, a
non-finite number, an unknown name, per-layer weights of another length than `loss.layers`
raise ValueError naming the key, the value and what is valid, before any data is made or model
built. Ranges and choices are declared beside their fields, in the field's metadata (`number`,
`choice`). YAML is read with the booleans of YAML 1.2 only (true / false): "on", "yes", "no"
stay strings for a string key.

Names chosen from a registry above core (`model.backbone`: `add_tf.models.backbones`,
`train.strategy`: `add_tf.training.strategy`, `loss.layers`: the backbones' named feature
layers) are not known here, as core imports no layer above it: the caller hands them to `read` /
`Config.validate` as `choices` (`add_tf.training.runs.CONFIG_CHOICES`).

Why field metadata rather than pydantic or OmegaConf: docs/design.md (Dependencies that are not
there).
"""

import dataclasses
import math
import operator
import os
import re
import types
import typing
from dataclasses import dataclass, field

import yaml

from add_tf.core import methods
from add_tf.core.names import BEST, DATASETS, DEMO, LAST, QUALITIES

METHODS = tuple(methods.METHODS)  # the names of the method table, add_tf.core.methods.METHODS
CHECKPOINT_CHOICES = (BEST, LAST)  # the student of a run's best validation, or its last
# What makes a validation the best (the kept student, early stopping): its accuracy at threshold
# 0.5, as the authors' code, or its AUC, which the share of reals in the validation split does
# not move (FF++ as a whole: 1 real in 5 faces, where calling every face fake scores 80 %).
MONITORS = ("val_acc", "val_auc")
# MV cell -> bin map (add_tf.losses.multiview.BINNINGS): "count", g groups of equal count in
# projected order; "interval", g equal-width intervals of the projected position, as the
# authors' code cuts them
MV_BINNINGS = ("count", "interval")
# where MV places the cells (add_tf.losses.multiview.COORDINATES): "unit", centres in the unit
# cube; "index", the integer indices of the authors' code, where the channel axis dominates
# most projections
MV_COORDINATES = ("unit", "index")
# data.balance (add_tf.data.reader): "classes" draws half of every training batch, on average,
# from the reals and the other half from the fake sets in equal shares; "none" reads the
# records in their own proportions (the default: balancing did not help where it was measured,
# docs/design.md); "auto" balances when the run reads several fake sets
BALANCES = ("none", "classes", "auto")

BOUNDS = {  # a bound of `number` -> (the test a value passes, its sign in messages)
    "at_least": (operator.ge, ">="),
    "above": (operator.gt, ">"),
    "at_most": (operator.le, "<="),
    "below": (operator.lt, "<"),
}


def number(default, **bounds):
    """A field holding a number (or a tuple of numbers, each) within `bounds` (BOUNDS), e.g.
    `number(0.9, at_least=0, below=1)`; None, where the type allows it, is within."""
    return field(default=default, metadata={"bounds": bounds})


def choice(default, choices):
    """A field holding one of `choices` (a tuple field: each of its names); None, where the type
    allows it, is a choice."""
    return field(default=default, metadata={"choices": tuple(choices)})


# The face crop side: what pipelines.prepare cuts by default (add_tf.media.crop_recipe) and
# the models take; the smallest a classifier takes (every backbone's last stage is 1/32 of it).
IMAGE_SIZE = 128
MIN_IMAGE_SIZE = 32


@dataclass
class ModelConfig:
    backbone: str = "resnet50"  # a name of add_tf.models.backbones.names()
    image_size: int = number(IMAGE_SIZE, at_least=MIN_IMAGE_SIZE)
    # "imagenet" (the paper's start, downloaded on first use), None (random; the demo's),
    # "teacher" (start from the run's teacher), a local .weights.h5 / .keras file, or
    # (resnet18 / resnet34) a local keras-hub preset directory: WEIGHT_FORMS
    weights: str | None = "imagenet"


@dataclass
class LossConfig:
    """Eq. 10: CE + alpha * sum_l w_fr[l] FR_l + beta * sum_l w_mv[l] MV_l.

    w_fr, w_mv: `fr_weights`, `mv_weights`, the authors' per-layer weights."""

    method: str = choice("add", METHODS)  # the Table 2 ablations included
    layers: tuple[str, ...] = ("layer2", "layer3", "layer4")  # named feature layers
    alpha: float = number(1.0, at_least=0)
    beta: float = number(16.0, at_least=0)
    fr_weights: tuple[float, ...] = number((1.0, 2.0, 0.25), at_least=0)
    mv_weights: tuple[float, ...] = number((0.5, 2.5, 2.0), at_least=0)
    gamma_fr: float = number(1.0, above=0)  # 1e-3 for efficientnet_b0 (Table 3)
    gamma_mv: float = number(100.0, above=0)
    eta_mv: float = number(50.0, at_least=0)
    margin: float = number(0.012, at_least=0)
    num_projections: int = number(12, at_least=1)
    mv_binning: str = choice("count", MV_BINNINGS)
    mv_coordinates: str = choice("unit", MV_COORDINATES)
    kd_temperature: float = number(4.0, above=0)
    baseline_weight: float = number(1.0, at_least=0)  # weight of the FitNet / AT / NL / KD term
    # MV projections / pairs: int = stateless per step; None = train.seed (add_tf.training.loop)
    seed: int | None = number(None, at_least=0)
    # FR is 0 before this step; add_tf.training.loop sets it from train.fr_warmup_epochs when
    # that is > 0
    fr_start_step: int = number(0, at_least=0)

    def layer_weights(self, key):
        """`fr_weights` or `mv_weights` (`key`), one weight per layer of `layers` (else
        ValueError)."""
        weights = getattr(self, key)
        if len(weights) != len(self.layers):
            raise ValueError(
                f"loss.{key} must hold one weight per layer of loss.layers {list(self.layers)} "
                f"(method {self.method!r}). Received: {list(weights)!r}")
        return weights


@dataclass
class TrainConfig:
    epochs: int = number(30, at_least=1)
    # epochs of the auto teacher a run trains (None: epochs)
    teacher_epochs: int | None = number(None, at_least=1)
    batch_size: int = number(144, at_least=1)
    learning_rate: float = number(2e-4, above=0)
    beta_1: float = number(0.9, at_least=0, below=1)
    beta_2: float = number(0.999, at_least=0, below=1)
    epsilon: float = number(1e-8, above=0)
    # one-cycle: share of steps spent rising to learning_rate
    warmup_fraction: float = number(0.3, at_least=0, at_most=1)
    validations_per_epoch: int = number(10, at_least=1)
    patience: int = number(10, at_least=1)  # validations without a `monitor` gain, then stop
    checkpoint: str = choice(BEST, CHECKPOINT_CHOICES)  # the student a run keeps
    monitor: str = choice("val_acc", MONITORS)  # what makes a validation the best
    head_only_epochs: int = number(0, at_least=0)  # authors' code: train only the head first
    fr_warmup_epochs: int = number(0, at_least=0)  # authors' code: FR on after these epochs
    seed: int = number(0, at_least=0)
    deterministic: bool = False  # TensorFlow op determinism: bit-exact reruns, slower
    validate_losses: bool = False  # validation also runs the teacher and every loss term
    mixed_precision: bool = False
    jit_compile: bool = False
    strategy: str = "auto"  # a name of add_tf.training.strategy.STRATEGIES


@dataclass
class DataConfig:
    """Which records a run reads (add_tf.data.training_set): `dataset`, a name of DATASETS,
    under `data_dir`; or `records`, a folder of any prepared set, whose name `dataset` then holds.
    `fakes`: the fake record sets to read (None: the dataset's, or every one of `records`);
    `teacher_comp` None: the best quality the records hold; `balance`: how training batches
    draw from the reals and the fake sets (BALANCES)."""

    dataset: str = DEMO
    records: str | None = None
    fakes: tuple[str, ...] | None = None
    comp: str = choice("c40", QUALITIES)
    teacher_comp: str | None = choice(None, QUALITIES)
    balance: str = choice("none", BALANCES)
    data_dir: str = "data"

    @property
    def is_demo(self):
        """Whether these are the generated demo's records (the DEMO data set, not a records
        folder whatever its name)."""
        return self.dataset == DEMO and not self.records


@dataclass
class Config:
    model: ModelConfig = field(default_factory=ModelConfig)
    loss: LossConfig = field(default_factory=LossConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    data: DataConfig = field(default_factory=DataConfig)

    def to_dict(self):
        return dataclasses.asdict(self)

    def to_yaml(self):
        return yaml.safe_dump(self.to_dict(), sort_keys=False)

    @classmethod
    def from_items(cls, items):
        """The defaults with `items` ([(section.key, value)]) set in order (`set`), not
        checked."""
        config = cls()
        for key, value in items:
            config.set(key, value)
        return config

    @classmethod
    def from_dict(cls, values):
        return cls.from_items((f"{section}.{key}", value)
                              for section, entries in values.items()
                              for key, value in (entries or {}).items())

    def set(self, dotted_key, value):
        """Set `section.key` to `value`, read according to the field's declared type
        (`parse_value`): KeyError for an unknown key, ValueError for a value of another type."""
        section_name, _, key = dotted_key.partition(".")
        section = getattr(self, section_name, None)
        declared = {f.name: f.type for f in dataclasses.fields(section)} if (
            dataclasses.is_dataclass(section)) else {}
        if key not in declared:
            raise KeyError(f"Unknown config key {dotted_key!r}. Valid keys: {', '.join(keys())}")
        setattr(section, key, parse_value(dotted_key, declared[key], value))

    def get(self, dotted_key):
        """The value of `section.key`."""
        section_name, _, key = dotted_key.partition(".")
        return getattr(getattr(self, section_name), key)

    def validate(self, choices=None):
        """ValueError naming the first key whose value is not valid: the range or choices of
        its field, then `choices` ({section.key: valid names} of keys whose names are
        registered above core, e.g. {"model.backbone": backbones.names()}), then the rules
        between keys."""
        for key, spec in _fields():
            value = self.get(key)
            if value is None:
                continue
            if "choices" in spec.metadata:
                _check_choice(key, value, spec.metadata["choices"])
            if "bounds" in spec.metadata:
                _check_bounds(key, value, spec.metadata["bounds"])
        for key, valid in (choices or {}).items():
            _check_choice(key, self.get(key), tuple(valid))
        self._validate_data()
        self._validate_layers()

    def _validate_data(self):
        """data.dataset: a name of DATASETS unless data.records names the folder; data.data_dir
        a folder; data.fakes a non-empty subset, for records given by folder or a dataset that
        reads every fake set (ffpp)."""
        data = self.data
        if not data.records:
            _check_choice("data.dataset", data.dataset, tuple(DATASETS))
        if not data.data_dir.strip():
            raise ValueError("data.data_dir must name a folder (default: data). Received: ''")
        if data.fakes is None:
            return
        if not data.fakes or len(set(data.fakes)) != len(data.fakes):
            raise ValueError(f"data.fakes must name at least one fake set, each once. Received: "
                             f"{list(data.fakes)!r}")
        if not data.records and DATASETS[data.dataset][1]:
            raise ValueError(
                f"data.fakes chooses among the fake sets of data.records or of a dataset that "
                f"reads them all (ffpp); {data.dataset!r} reads "
                f"{', '.join(DATASETS[data.dataset][1])}. Received: {list(data.fakes)!r}")

    def _validate_layers(self):
        """loss.layers: named once each, not empty; the per-layer weights of the terms the method
        uses (fr_weights for FR, mv_weights for MV) one per layer."""
        layers = self.loss.layers
        if not layers or len(set(layers)) != len(layers):
            raise ValueError(f"loss.layers must name at least one layer, each once, e.g. [layer2, "
                             f"layer3, layer4]. Received: {list(layers)!r}")
        terms = methods.METHODS[self.loss.method]
        for term, key in (("fr", "fr_weights"), ("mv", "mv_weights")):
            if term in terms:
                self.loss.layer_weights(key)


def _fields():
    """[(section.key, dataclasses.Field)] of Config, in declaration order."""
    return [(f"{s.name}.{f.name}", f) for s in dataclasses.fields(Config)
            for f in dataclasses.fields(s.default_factory)]


def keys():
    """Every `section.key` of Config, in declaration order."""
    return [key for key, _ in _fields()]


def _check_choice(key, value, valid):
    """ValueError unless `value` (each name of a tuple) is one of `valid`."""
    names = value if isinstance(value, tuple) else (value,)
    unknown = [name for name in names if name not in valid]
    if unknown and isinstance(value, tuple):
        raise ValueError(f"Invalid {key}: {list(value)!r} ({unknown[0]!r} is unknown). "
                         f"Valid: each of {', '.join(valid)}")
    if unknown:
        raise ValueError(f"Invalid {key}: {value!r}. Valid: {', '.join(valid)}")


def _check_bounds(key, value, bounds):
    """ValueError unless `value` (each number of a tuple) is within `bounds` (BOUNDS)."""
    values = value if isinstance(value, tuple) else (value,)
    if all(BOUNDS[name][0](v, limit) for v in values for name, limit in bounds.items()):
        return
    shown = list(value) if isinstance(value, tuple) else value
    raise ValueError(f"{key} must be {_within_text(value, bounds)}. Received: {shown!r}")


def _within_text(value, bounds):
    """"a positive integer", "an integer >= 0", "a number >= 0 and < 1", "numbers each >= 0"."""
    if isinstance(value, int) and bounds == {"at_least": 1}:
        return "a positive integer"
    kind = ("numbers each" if isinstance(value, tuple) else
            "an integer" if isinstance(value, int) else "a number")
    return " ".join([kind, " and ".join(f"{BOUNDS[name][1]} {limit}"
                                        for name, limit in bounds.items())])


class _Loader(yaml.SafeLoader):
    """YAML with the booleans of YAML 1.2 only (true / false): "on", "yes", "no" stay strings."""


_BOOL_TAG = "tag:yaml.org,2002:bool"
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _BOOL_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
_Loader.add_implicit_resolver(_BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                              list("tTfF"))
NULLS = ("", "~", "null", "Null", "NULL", "None", "none")  # --set key=null: None where allowed
BOOLS = {"true": True, "yes": True, "on": True, "false": False, "no": False, "off": False}


def load_yaml(text):
    """`text` (a string or a file) parsed as YAML with YAML 1.2's booleans (`_Loader`)."""
    return yaml.load(text, Loader=_Loader)  # noqa: S506  (a SafeLoader)


def parse_value(key, declared, value):
    """`value` (a --set string, or a value of a YAML file or a flag) as the declared type of
    `key`: str, int, float (finite), bool, `X | None` or `tuple[X, ...]`. ValueError naming the
    key, the value and the expected type."""
    given = value
    if isinstance(declared, types.UnionType):  # X | None
        if value is None or (isinstance(value, str) and value.strip() in NULLS):
            return None
        declared = next(t for t in typing.get_args(declared) if t is not type(None))
    if typing.get_origin(declared) is tuple:
        return _parse_tuple(key, typing.get_args(declared)[0], value)
    if declared is str:
        if not isinstance(value, str):
            raise ValueError(f"{key} expects a string. Received: {value!r}")
        return value
    if declared is bool:
        text = value.strip().lower() if isinstance(value, str) else None
        if isinstance(value, bool) or text in BOOLS:
            return BOOLS[text] if text is not None else value
        raise ValueError(f"{key} expects true or false. Received: {value!r}")
    if isinstance(value, str):
        try:
            value = float(value) if declared is float else load_yaml(value)
        except (ValueError, yaml.YAMLError):
            pass
    if declared is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if (declared is float and isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value)):
        return float(value)
    expected = "an integer" if declared is int else "a number (finite)"
    raise ValueError(f"{key} expects {expected}. Received: {given!r}")


def _parse_tuple(key, element, value):
    """`value` (a YAML list string such as "[a, b]", or a list) as a tuple of `element`s."""
    text = value
    if isinstance(value, str):
        try:
            value = load_yaml(value)
        except yaml.YAMLError:
            pass
    kind = {str: "names", float: "numbers", int: "integers"}[element]
    try:
        if not isinstance(value, (list, tuple)):
            raise ValueError
        return tuple(parse_value(key, element, item) for item in value)
    except ValueError:
        example = "[a, b]" if element is str else "[1, 2]"
        raise ValueError(f"{key} expects a list of {kind}, e.g. {example}. "
                         f"Received: {text!r}") from None


WEIGHT_FORMS = ("null (random)", "imagenet", "teacher (the run's teacher)",
                "an existing .weights.h5 or .keras file", "a keras-hub preset directory")


def check_weights(weights):
    """ValueError unless `model.weights` is one of WEIGHT_FORMS (a file or folder that exists)."""
    if weights in (None, "imagenet", "teacher") or os.path.isdir(weights):
        return
    if not os.path.exists(weights):
        problem = "no such file or directory"
    elif not weights.endswith((".weights.h5", ".keras")):
        problem = "not a .weights.h5 or .keras file"
    else:
        return
    raise ValueError(f"Invalid model.weights: {weights!r} ({problem}). Valid: "
                     f"{', '.join(WEIGHT_FORMS)}")


# Demo budget (`--dataset demo`): a teacher and the students train in minutes on 2 CPU cores.
# Every student starts from the same random weights (seeded), as every student of the paper starts
# from the same ImageNet weights: "none" is then training on c40 alone, not a fine-tuned teacher.
DEMO_DEFAULTS = {
    "model.backbone": "resnet18",
    "model.weights": None,  # no download: the demo runs offline
    "train.epochs": 6,
    "train.batch_size": 32,
    "train.validations_per_epoch": 1,
    "train.patience": 6,
    "train.learning_rate": 1e-3,
    "train.deterministic": True,  # bit-exact reruns
}


def yaml_items(path):
    """[(section.key, value)] of a YAML config file (FileNotFoundError when it is missing,
    ValueError naming the file when it is not sections of keys)."""
    with open(path) as f:
        try:
            values = load_yaml(f) or {}
        except yaml.YAMLError as error:
            raise ValueError(f"{path} is not valid YAML: {' '.join(str(error).split())}") from None
    if not isinstance(values, dict) or not all(isinstance(entries, (dict, type(None)))
                                               for entries in values.values()):
        raise ValueError(f"{path} must hold sections of keys (e.g. 'train:' then "
                         "'  epochs: 3'); received something else")
    return [(f"{section}.{key}", value)
            for section, entries in values.items() for key, value in (entries or {}).items()]


def override_items(overrides):
    """["section.key=value", ...] (from --set) -> [(section.key, value)]."""
    items = []
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"--set expects key=value, received: {item!r}")
        items.append((key.strip(), value))
    return items


def layer_items(yaml_path=None, overrides=(), flags=None):
    """[(section.key, value)] the layers above the defaults give, lowest first: the YAML file,
    the --set items, then the flags ({section.key: value}, None = not given)."""
    items = (yaml_items(yaml_path) if yaml_path else []) + override_items(overrides)
    return items + [(key, value) for key, value in (flags or {}).items() if value is not None]


def read(items, choices=None, demo=False):
    """The one reader of configs, whatever the source of `items` ([(section.key, value)], lowest
    layer first: a YAML file, --set, flags, a run's config.yaml): the paper defaults, then
    DEMO_DEFAULTS when `demo` and the items leave the dataset "demo" (no records folder), then
    each item read by its field's type (`Config.set`), then every check
    (`Config.validate(choices)`). KeyError / ValueError naming the key and the value."""
    config = Config.from_items(items)
    if demo and config.data.is_demo:
        config = Config.from_items([*DEMO_DEFAULTS.items(), *items])
    config.validate(choices)
    return config


def resolve(yaml_path=None, overrides=(), flags=None, choices=None):
    """The config a command is asked for, from its layers (later ones win): paper defaults <-
    DEMO_DEFAULTS (the demo data) <- YAML file <- --set items <- flags ({section.key: value},
    None = not given), `read` with `choices`; a `model.weights` file must exist
    (`check_weights`). ValueError / KeyError naming the bad key or value; FileNotFoundError for
    a missing YAML file."""
    config = read(layer_items(yaml_path, overrides, flags), choices, demo=True)
    check_weights(config.model.weights)
    return config


# Keys the config.yaml of a run trained by an earlier version may hold, with the reason they
# are gone; a stored config is read past them (a request that names one is still an unknown key).
RETIRED_KEYS = {
    "data.frames": "the frames per video are those the prepared records hold (their manifest)",
}


def _stored_items(path):
    return [(key, value) for key, value in yaml_items(path) if key not in RETIRED_KEYS]


def read_stored(path, choices=None):
    """A run's config.yaml (RETIRED_KEYS left out), `read` and checked as any other source; its
    `model.weights` need not exist any more. ValueError / KeyError naming the key and value."""
    return read(_stored_items(path), choices)
