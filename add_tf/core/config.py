"""Every default of add_tf in one place: the paper's values (Le & Woo, AAAI 2022, Sec. 4).

The command line (`--set section.key=value`) and an optional YAML file only override these
dataclasses; every run writes the resolved `Config` as `config.yaml` next to its outputs.

Names chosen from a registry above core (`model.backbone`: `add_tf.models.backbones`,
`train.strategy`: `add_tf.training.strategy`) are not known here, as core imports no layer above
it: the command hands them to `resolve` / `Config.validate` as `choices` (`loss.layers`: the
backbones' named feature layers, `add_tf.models.backbones.FEATURE_LAYERS`).

Every value is read according to the declared type of its field (`parse_value`), then checked
(`Config.validate`): a wrong type, a count below its least value, a non-finite number, an unknown
name, a `model.weights` that is none of its forms or per-layer weights of another length than
`loss.layers` raise ValueError naming the key, the value and what is valid, before any data is
made or model built. YAML is read with the booleans of YAML 1.2 only (true / false): "on",
"yes", "no" stay strings for a string key.

The checks are written here rather than with OmegaConf's structured configs: OmegaConf types
values but checks no ranges, choices, paths or list lengths (all still needed here), its support
of `str | None` (PEP 604) unions is an open issue (omry/omegaconf#144), and `--set` strings would
still need parsing by their declared type. A dependency for the type conversion alone (about 60
lines below) is not worth it.
"""

import dataclasses
import math
import os
import re
import types
import typing
from dataclasses import dataclass, field

import yaml

from add_tf.core import methods
from add_tf.core.names import DATASETS, QUALITIES  # noqa: F401  (re-exported choices)

METHODS = tuple(methods.METHODS)  # the names of the method table, add_tf.core.methods.METHODS
CHECKPOINTS = ("best", "last")  # train.checkpoint: the validation whose student a run keeps
MV_BINNINGS = ("count", "interval")  # the keys of add_tf.losses.multiview.BINNINGS
MV_COORDINATES = ("unit", "index")  # the keys of add_tf.losses.multiview.COORDINATES
# data.balance (add_tf.data.reader): "classes" draws half of every training batch, on average,
# from the reals and the other half from the fake sets in equal shares; "none" reads the
# records in their own proportions; "auto" balances when the run reads several fake sets
BALANCES = ("auto", "none", "classes")


@dataclass
class ModelConfig:
    backbone: str = "resnet50"  # a name of add_tf.models.backbones.names()
    image_size: int = 128
    # "imagenet" (the paper's start, downloaded on first use), None (random; the demo's),
    # "teacher" (start from the run's teacher), a local .weights.h5 / .keras file, or
    # (resnet18 / resnet34) a local keras-hub preset directory
    weights: str | None = "imagenet"


@dataclass
class LossConfig:
    """Eq. 10: CE + alpha * sum_l w_fr[l] FR_l + beta * sum_l w_mv[l] MV_l.

    w_fr, w_mv: `fr_weights`, `mv_weights`, the authors' per-layer weights."""

    method: str = "add"  # a key of add_tf.core.methods.METHODS (the Table 2 ablations included)
    layers: tuple[str, ...] = ("layer2", "layer3", "layer4")
    alpha: float = 1.0
    beta: float = 16.0
    fr_weights: tuple[float, ...] = (1.0, 2.0, 0.25)
    mv_weights: tuple[float, ...] = (0.5, 2.5, 2.0)
    gamma_fr: float = 1.0  # 1e-3 for efficientnet_b0 (Table 3)
    gamma_mv: float = 100.0
    eta_mv: float = 50.0
    margin: float = 0.012
    num_projections: int = 12
    # MV cell -> bin map: "count" (g groups of equal count in projected order) or "interval"
    # (g equal-width intervals of the projected position, as the authors' code cuts them)
    mv_binning: str = "count"
    # where MV places the cells: "unit" (centres in the unit cube) or "index" (the integer
    # indices of the authors' code, where the channel axis dominates most projections)
    mv_coordinates: str = "unit"
    kd_temperature: float = 4.0
    baseline_weight: float = 1.0  # weight of the FitNet / AT / NL / KD term
    # MV projections / pairs: int = stateless per step; None = train.seed (add_tf.training.loop)
    seed: int | None = None
    fr_start_step: int = 0  # FR is 0 before this step; add_tf.training.loop sets it from
    #                         train.fr_warmup_epochs when that is > 0


@dataclass
class TrainConfig:
    epochs: int = 30
    teacher_epochs: int | None = None  # epochs of the auto teacher a run trains (None: epochs)
    batch_size: int = 144
    learning_rate: float = 2e-4
    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-8
    warmup_fraction: float = 0.3  # one-cycle: share of steps spent rising to learning_rate
    validations_per_epoch: int = 10
    patience: int = 10  # validations without a gain in accuracy before stopping
    checkpoint: str = "best"  # the student a run keeps: of its best validation, or its last
    head_only_epochs: int = 0  # authors' code: train only the head first (0 = off)
    fr_warmup_epochs: int = 0  # authors' code: FR on after these epochs (MV from the start)
    seed: int = 0
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

    dataset: str = "demo"
    records: str | None = None
    fakes: tuple[str, ...] | None = None
    comp: str = "c40"
    teacher_comp: str | None = None
    balance: str = "auto"
    data_dir: str = "data"


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
    def from_dict(cls, values):
        config = cls()
        for section, entries in values.items():
            for key, value in (entries or {}).items():
                config.set(f"{section}.{key}", value)
        return config

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
        """ValueError naming the first key whose value is not valid.

        choices: {section.key: valid names} of keys whose names are registered above core
        (e.g. {"model.backbone": backbones.names()}), checked after core's own names."""
        checked = [
            ("data.comp", self.data.comp, QUALITIES),
            ("data.balance", self.data.balance, BALANCES),
            ("loss.method", self.loss.method, tuple(METHODS)),
            ("loss.mv_binning", self.loss.mv_binning, MV_BINNINGS),
            ("loss.mv_coordinates", self.loss.mv_coordinates, MV_COORDINATES),
            ("train.checkpoint", self.train.checkpoint, CHECKPOINTS),
        ]
        if not self.data.records:
            checked.append(("data.dataset", self.data.dataset, tuple(DATASETS)))
        if self.data.teacher_comp is not None:
            checked.append(("data.teacher_comp", self.data.teacher_comp, QUALITIES))
        checked += [(key, self.get(key), tuple(valid)) for key, valid in (choices or {}).items()]
        for key, value, valid in checked:
            names = value if isinstance(value, tuple) else (value,)
            unknown = [name for name in names if name not in valid]
            if unknown and isinstance(value, tuple):
                raise ValueError(f"Invalid {key}: {list(value)!r} ({unknown[0]!r} is unknown). "
                                 f"Valid: each of {', '.join(valid)}")
            if unknown:
                raise ValueError(f"Invalid {key}: {value!r}. Valid: {', '.join(valid)}")
        for key, (low, low_open, high, high_open) in LIMITS.items():
            value = self.get(key)
            if value is not None and not _within(value, low, low_open, high, high_open):
                shown = list(value) if isinstance(value, tuple) else value
                raise ValueError(f"{key} must be {_kind(value, low, low_open, high)}"
                                 f"{_describe(low, low_open, high, high_open)}. "
                                 f"Received: {shown!r}")
        if not self.data.data_dir.strip():
            raise ValueError("data.data_dir must name a folder (default: data). Received: ''")
        self._validate_fakes()
        self._validate_layers()
        check_weights(self.model.weights)

    def _validate_fakes(self):
        """data.fakes: a non-empty subset, for records given by folder or a dataset that reads
        every fake set (ffpp)."""
        fakes = self.data.fakes
        if fakes is None:
            return
        if not fakes or len(set(fakes)) != len(fakes):
            raise ValueError(f"data.fakes must name at least one fake set, each once. Received: "
                             f"{list(fakes)!r}")
        if not self.data.records and DATASETS.get(self.data.dataset, (None, None))[1]:
            raise ValueError(
                f"data.fakes chooses among the fake sets of data.records or of a dataset that "
                f"reads them all (ffpp); {self.data.dataset!r} reads "
                f"{', '.join(DATASETS[self.data.dataset][1])}. Received: {list(fakes)!r}")

    def _validate_layers(self):
        """loss.layers: named once each, not empty; the per-layer weights of the terms the method
        uses (fr_weights for FR, mv_weights for MV) one per layer."""
        layers = self.loss.layers
        if not layers or len(set(layers)) != len(layers):
            raise ValueError(f"loss.layers must name at least one layer, each once, e.g. [layer2, "
                             f"layer3, layer4]. Received: {list(layers)!r}")
        terms = methods.METHODS.get(self.loss.method, {})
        for term, key in (("fr", "fr_weights"), ("mv", "mv_weights")):
            weights = getattr(self.loss, key)
            if term in terms and len(weights) != len(layers):
                raise ValueError(
                    f"loss.{key} must hold one weight per layer of loss.layers {list(layers)} "
                    f"(method {self.loss.method!r}). Received: {list(weights)!r}")


def keys():
    """Every `section.key` of Config, in declaration order."""
    return [f"{s.name}.{f.name}" for s in dataclasses.fields(Config)
            for f in dataclasses.fields(s.default_factory)]


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


# section.key -> (least, least excluded, greatest, greatest excluded) of a number (None: no bound)
LIMITS = {
    "model.image_size": (1, False, None, False),
    "loss.alpha": (0, False, None, False),
    "loss.beta": (0, False, None, False),
    "loss.fr_weights": (0, False, None, False),  # each weight of the tuple
    "loss.mv_weights": (0, False, None, False),
    "loss.gamma_fr": (0, True, None, False),
    "loss.gamma_mv": (0, True, None, False),
    "loss.eta_mv": (0, False, None, False),
    "loss.margin": (0, False, None, False),
    "loss.num_projections": (1, False, None, False),
    "loss.kd_temperature": (0, True, None, False),
    "loss.baseline_weight": (0, False, None, False),
    "loss.seed": (0, False, None, False),
    "loss.fr_start_step": (0, False, None, False),
    "train.epochs": (1, False, None, False),
    "train.teacher_epochs": (1, False, None, False),
    "train.batch_size": (1, False, None, False),
    "train.learning_rate": (0, True, None, False),
    "train.beta_1": (0, False, 1, True),
    "train.beta_2": (0, False, 1, True),
    "train.epsilon": (0, True, None, False),
    "train.warmup_fraction": (0, False, 1, False),
    "train.validations_per_epoch": (1, False, None, False),
    "train.patience": (1, False, None, False),
    "train.head_only_epochs": (0, False, None, False),
    "train.fr_warmup_epochs": (0, False, None, False),
    "train.seed": (0, False, None, False),
}
WEIGHT_FORMS = ("null (random)", "imagenet", "teacher (the run's teacher)",
                "an existing .weights.h5 or .keras file", "a keras-hub preset directory")


def _within(value, low, low_open, high, high_open):
    values = value if isinstance(value, tuple) else (value,)
    return all((low is None or (v > low if low_open else v >= low))
               and (high is None or (v < high if high_open else v <= high)) for v in values)


def _kind(value, low, low_open, high):
    """"a positive integer" (the bounds then left out), "an integer ", "a number "..."""
    if isinstance(value, tuple):
        return "numbers each "
    if isinstance(value, int):
        return "a positive integer" if (low, low_open, high) == (1, False, None) else "an integer "
    return "a number "


def _describe(low, low_open, high, high_open):
    """The bounds as text: ">= 0", "> 0", "in [0, 1)" ("" for the positive integers)."""
    if (low, low_open, high) == (1, False, None):
        return ""
    if low is not None and high is not None:
        return f"in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
    if low is not None:
        return f"{'>' if low_open else '>='} {low}"
    return f"{'<' if high_open else '<='} {high}"


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


# Demo budget (`--dataset demo`): a teacher and the students train in minutes on 2 CPU cores
# (180 steps at batch 32: the raw teacher reaches validation AUC 1.0 after ~60). Every
# student starts from the same random weights (seeded), as every student of the paper starts
# from the same ImageNet weights: "none" is then training on c40 alone, not a fine-tuned teacher.
DEMO_DEFAULTS = {
    "model.backbone": "resnet18",
    "model.weights": None,  # no download: the demo runs offline
    "train.epochs": 6,
    "train.batch_size": 32,
    "train.validations_per_epoch": 1,
    "train.patience": 6,
    "train.learning_rate": 1e-3,
    "train.deterministic": True,  # bit-exact reruns (1.16x the time of the main command)
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


def resolve(yaml_path=None, overrides=(), flags=None, choices=None):
    """The config of a run, from its layers (later ones win):

    paper defaults <- DEMO_DEFAULTS (when the dataset is "demo" and no records folder is given)
    <- YAML file <- --set items <- flags ({section.key: value}, None = not given). The dataset
    that selects the demo layer is the one the upper layers name (default: the dataset
    default). `choices`: the registered names of `Config.validate`. Raises ValueError /
    KeyError naming the bad key or value; FileNotFoundError for a missing YAML file."""
    items = layer_items(yaml_path, overrides, flags)
    probe = Config()
    for key, value in items:
        probe.set(key, value)
    config = Config()
    if probe.data.dataset == "demo" and not probe.data.records:
        for key, value in DEMO_DEFAULTS.items():
            config.set(key, value)
    for key, value in items:
        config.set(key, value)
    config.validate(choices)
    return config


# Keys the config.yaml of a run trained by an earlier version may hold, with the reason they
# are gone; load_config reads past them (a request that names one is still an unknown key).
RETIRED_KEYS = {
    "data.frames": "the frames per video are those the prepared records hold (their manifest)",
}


def load_config(path=None, overrides=()):
    """Paper defaults, then a YAML file, then `key=value` overrides (no demo layer, no checks):
    what a run's own config.yaml holds (RETIRED_KEYS left out)."""
    config = Config()
    for key, value in (yaml_items(path) if path else []) + override_items(overrides):
        if key not in RETIRED_KEYS:
            config.set(key, value)
    return config
