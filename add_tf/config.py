"""Every default of add_tf in one place: the paper's values (Le & Woo, AAAI 2022, Sec. 4).

The command line (`--set section.key=value`) and an optional YAML file only override these
dataclasses; every run writes the resolved `Config` as `config.yaml` next to its outputs.
"""

import dataclasses
from dataclasses import dataclass, field

import yaml

from add_tf import methods

# The backbone names: the paper's (Table 1) first, then Table 3's, in its order.
BACKBONES = ("resnet50", "resnet18", "resnet34", "efficientnet_b0")
METHODS = tuple(methods.METHODS)  # the names of the method table, add_tf.methods.METHODS
# Dataset name -> FaceForensics++ manipulation folder (originals are always included).
DATASETS = {
    "demo": "Demo",
    "deepfakes": "Deepfakes",
    "face2face": "Face2Face",
    "faceswap": "FaceSwap",
    "neuraltextures": "NeuralTextures",
    "faceshifter": "FaceShifter",
}
QUALITIES = ("raw", "c23", "c40")


@dataclass
class ModelConfig:
    backbone: str = "resnet50"
    image_size: int = 128
    # None (random), "imagenet", "teacher" (start from the run's teacher) or a local
    # .weights.h5 / .keras file
    weights: str | None = None


@dataclass
class LossConfig:
    """Eq. 10: CE + alpha * sum_l w_fr[l] FR_l + beta * sum_l w_mv[l] MV_l (authors' layer weights)."""

    method: str = "add"  # a key of add_tf.methods.METHODS (the Table 2 ablations included)
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
    kd_temperature: float = 4.0
    baseline_weight: float = 1.0  # weight of the FitNet / AT / NL / KD term
    seed: int | None = None  # MV projections / pairs: None = global RNG, int = stateless per step


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
    seed: int = 0
    mixed_precision: bool = False
    jit_compile: bool = False
    strategy: str = "auto"  # auto | default | mirrored | multiworker


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
        """Set `section.key` to `value` (a string from the command line is parsed as YAML)."""
        section_name, _, key = dotted_key.partition(".")
        section = getattr(self, section_name, None)
        if not dataclasses.is_dataclass(section) or key not in {
            f.name for f in dataclasses.fields(section)
        }:
            valid = [
                f"{s.name}.{f.name}"
                for s in dataclasses.fields(self)
                for f in dataclasses.fields(getattr(self, s.name))
            ]
            raise KeyError(f"Unknown config key {dotted_key!r}. Valid keys: {', '.join(valid)}")
        if isinstance(value, str):
            value = yaml.safe_load(value)
        if isinstance(getattr(section, key), float) and not isinstance(value, bool):
            try:  # YAML reads "1e-3" (no dot) as a string
                value = float(value)
            except (TypeError, ValueError):
                raise ValueError(f"{dotted_key} expects a number. Received: {value!r}") from None
        if isinstance(value, list):
            value = tuple(value)
        setattr(section, key, value)


def load_config(path=None, overrides=()):
    """Paper defaults, then a YAML file, then `key=value` overrides, in that order."""
    config = Config()
    if path:
        with open(path) as f:
            config = Config.from_dict(yaml.safe_load(f) or {})
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"--set expects key=value, received: {item!r}")
        config.set(key.strip(), value)
    return config
