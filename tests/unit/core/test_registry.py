"""add_tf.core.registry: registering, the order kept, duplicates refused, one message for an
unknown name, aliases; every registry of the project speaks it."""

import importlib

import pytest

from add_tf.core.registry import Registry


def test_register_returns_the_object_and_keeps_the_order():
    registry = Registry("colour")

    @registry.register("red")
    def red():
        return "r"

    registry.add("green", "g")
    registry.register("blue", make=lambda f: f())(lambda: "b")
    assert red() == "r"
    assert registry.names() == ("red", "green", "blue")
    assert list(registry) == ["red", "green", "blue"] and len(registry) == 3
    assert registry.get("red") is red and registry.get("blue") == "b"
    assert "green" in registry and "pink" not in registry


def test_unknown_name_lists_the_registered_ones():
    registry = Registry("fake kind")
    registry.add("swap", 1)
    registry.add("gan", 2)
    with pytest.raises(ValueError) as error:
        registry.get("blur")
    assert str(error.value) == "Unknown fake kind. Valid: swap, gan. Received: fake_kind='blur'"


def test_a_name_or_alias_is_registered_once():
    registry = Registry("detector")
    registry.add("full-frame", 1, aliases=("none",))
    for name in ("full-frame", "none"):
        with pytest.raises(ValueError, match=f"Detector '{name}' is registered already"):
            registry.add(name, 2)
        with pytest.raises(ValueError, match="registered already"):
            registry.add("mtcnn", 2, aliases=(name,))
    assert registry.names() == ("full-frame",)


def test_aliases_are_found_but_not_listed():
    registry = Registry("detector")
    registry.add("mtcnn", 0)
    registry.add("full-frame", 1, aliases=("full_frame", "none"))
    assert registry.get("none") == registry.get("full_frame") == registry.get("full-frame") == 1
    assert "none" in registry and registry.names() == ("mtcnn", "full-frame")
    with pytest.raises(ValueError, match=r"Valid: mtcnn, full-frame\. Received: detector='x'$"):
        registry.get("x")


@pytest.mark.parametrize("module, registry, kind", [
    ("add_tf.models.backbones", "BACKBONES", "backbone"),
    ("add_tf.training.strategy", "STRATEGIES", "strategy"),
    ("add_tf.media.faces", "DETECTORS", "detector"),
    ("add_tf.synthetic.fakes", "KINDS", "fake kind"),
    ("pipelines.layouts.base", "LAYOUTS", "layout"),
    ("add_tf.losses.terms", "TERMS", "loss term"),
])
def test_the_projects_registries_share_the_message(module, registry, kind):
    registry = getattr(importlib.import_module(module), registry)
    assert isinstance(registry, Registry) and registry.kind == kind and registry.names()
    with pytest.raises(ValueError, match=rf"^Unknown {kind}\. Valid: {registry.names()[0]}, "):
        registry.get("?")
