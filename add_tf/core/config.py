"""Every default of add_tf in one place: the paper's values (Le & Woo, AAAI 2022, Sec. 4).

The command line (`--set section.key=value`) and an optional YAML file only override these
dataclasses; every run writes the resolved `Config` as `config.yaml` next to its outputs.

Names chosen from a registry above core (`model.backbone`: `add_tf.models.backbones`,
`train.strategy`: `add_tf.training.strategy`) are not known here, as core imports no layer above
it: the command hands them to `resolve` / `Config.validate` as `choices`.
"""

import dataclasses
from dataclasses import dataclass, field

import yaml

from add_tf.core import methods
from add_tf.core.names import DATASETS, QUALITIES  # noqa: F401  (re-exported choices)

METHODS = tuple(methods.METHODS)  # the names of the method table, add_tf.core.methods.METHODS
MV_BINNINGS = ("count", "interval")  # the keys of add_tf.losses.multiview.BINNINGS
MV_COORDINATES = ("unit", "index")  # the keys of add_tf.losses.multiview.COORDINATES


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
    batch_size: int = 144
    learning_rate: float = 2e-4
    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-8
    warmup_fraction: float = 0.3  # one-cycle: share of steps spent rising to learning_rate
    validations_per_epoch: int = 10
    patience: int = 10  # validations without a gain in accuracy before stopping
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
    dataset: str = "demo"
    comp: str = "c40"
    teacher_comp: str = "raw"
    data_dir: str = "data"
    frames: int = 64


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
        """Set `section.key` to `value`. A string is parsed as YAML ("1e-3", "null", "[a, b]")
        unless the key is of type str (a path or a name stays as given)."""
        section_name, _, key = dotted_key.partition(".")
        section = getattr(self, section_name, None)
        types = {f.name: f.type for f in dataclasses.fields(section)} if dataclasses.is_dataclass(
            section) else {}
        if key not in types:
            valid = [
                f"{s.name}.{f.name}"
                for s in dataclasses.fields(self)
                for f in dataclasses.fields(getattr(self, s.name))
            ]
            raise KeyError(f"Unknown config key {dotted_key!r}. Valid keys: {', '.join(valid)}")
        if isinstance(value, str) and types[key] is not str:
            value = yaml.safe_load(value)
        if isinstance(getattr(section, key), float) and not isinstance(value, bool):
            try:  # YAML reads "1e-3" (no dot) as a string
                value = float(value)
            except (TypeError, ValueError):
                raise ValueError(f"{dotted_key} expects a number. Received: {value!r}") from None
        if isinstance(value, list):
            value = tuple(value)
        setattr(section, key, value)

    def get(self, dotted_key):
        """The value of `section.key`."""
        section_name, _, key = dotted_key.partition(".")
        return getattr(getattr(self, section_name), key)

    def validate(self, choices=None):
        """ValueError naming the first key whose value is not valid.

        choices: {section.key: valid names} of keys whose names are registered above core
        (e.g. {"model.backbone": backbones.names()}), checked after core's own names."""
        checked = [
            ("data.dataset", self.data.dataset, tuple(DATASETS)),
            ("data.comp", self.data.comp, QUALITIES),
            ("data.teacher_comp", self.data.teacher_comp, QUALITIES),
            ("loss.method", self.loss.method, tuple(METHODS)),
            ("loss.mv_binning", self.loss.mv_binning, MV_BINNINGS),
            ("loss.mv_coordinates", self.loss.mv_coordinates, MV_COORDINATES),
        ]
        checked += [(key, self.get(key), tuple(valid)) for key, valid in (choices or {}).items()]
        for key, value, valid in checked:
            if value not in valid:
                raise ValueError(f"Invalid {key}: {value!r}. Valid: {', '.join(valid)}")
        for key in ("train.epochs", "train.batch_size", "train.validations_per_epoch",
                    "train.patience"):
            value = getattr(self.train, key.split(".")[1])
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{key} must be a positive integer. Received: {value!r}")
        if not self.train.learning_rate > 0:
            raise ValueError(
                f"train.learning_rate must be > 0. Received: {self.train.learning_rate}")


# Demo budget (`--dataset demo`): a teacher and the students train in minutes on 2 CPU cores
# (288 steps at batch 32: the raw teacher reaches AUC 1.0 after ~150, add_tf.demo). Every
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
    "train.deterministic": True,  # bit-exact reruns; costs nothing measurable on the demo
}


def yaml_items(path):
    """[(section.key, value)] of a YAML config file (FileNotFoundError when it is missing,
    ValueError naming the file when it is not sections of keys)."""
    with open(path) as f:
        try:
            values = yaml.safe_load(f) or {}
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

    paper defaults <- DEMO_DEFAULTS (when the dataset is "demo") <- YAML file <- --set items
    <- flags ({section.key: value}, None = not given). The dataset that selects the demo layer
    is the one the upper layers name (default: the dataset default). `choices`: the registered
    names of `Config.validate`. Raises ValueError / KeyError naming the bad key or value;
    FileNotFoundError for a missing YAML file."""
    items = layer_items(yaml_path, overrides, flags)
    probe = Config()
    for key, value in items:
        probe.set(key, value)
    config = Config()
    if probe.data.dataset == "demo":
        for key, value in DEMO_DEFAULTS.items():
            config.set(key, value)
    for key, value in items:
        config.set(key, value)
    config.validate(choices)
    return config


def load_config(path=None, overrides=()):
    """Paper defaults, then a YAML file, then `key=value` overrides (no demo layer, no checks):
    what a run's own config.yaml holds."""
    config = Config()
    for key, value in (yaml_items(path) if path else []) + override_items(overrides):
        config.set(key, value)
    return config
