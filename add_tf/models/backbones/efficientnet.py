"""EfficientNet-B0 (the paper's Table 3).

`keras.applications.EfficientNetB0(include_top=False)` with its own built-in preprocessing
(Rescaling + Normalization, inputs 0..255). Stage outputs: `block2b_add` (24 ch), `block3b_add`
(40), `block5c_add` (112), `top_activation` (1280, the map that is pooled).

Keras is imported by the builder (see `registry`).
"""

from add_tf.models.backbones.registry import register


@register("efficientnet_b0", imagenet="keras.applications",
          stages=("block2b_add", "block3b_add", "block5c_add", "top_activation"))
def keras_efficientnet_b0(backbone, inputs, weights):
    """Keras applications' EfficientNet-B0 on `inputs`."""
    import keras

    return keras.applications.EfficientNetB0(include_top=False, weights=weights,
                                             input_tensor=inputs)
