# Follows: the ConvNeXt block as keras.applications.ConvNeXt writes it (depthwise 7x7 conv,
#   LayerNormalization(epsilon=1e-6), pointwise Dense(4 * dim) + GELU + Dense(dim), a LayerScale layer,
#   residual add) and the "ConvNeXt from scratch in Keras" Kaggle notebooks that copy it
#   https://github.com/keras-team/keras/blob/master/keras/src/applications/convnext.py
#   https://keras.io/api/layers/normalization_layers/layer_normalization/
# Keras 3 spelling (`import keras`, `from keras import layers, ops`).
# Shrunk: one stage of two blocks at 16 channels, a 4x4 patchify stem, the X-ray sample at 64x64, 3 epochs.
# Exercises: LayerNormalization(epsilon=1e-6) on 4D tensors (normalising the channel axis), Dense applied to
#   a 4D tensor (pointwise), Activation("gelu"), DepthwiseConv2D(kernel_size=7, padding="same"), a custom
#   LayerScale layer (add_weight in build, call with ops), layers.add, GlobalAveragePooling2D,
#   AdamW with a CosineDecay schedule, model.output_shape, label_mode="categorical" with
#   CategoricalCrossentropy(label_smoothing=0.1).
# Exact checks: LayerNormalization output has mean 0 and variance ~1 over the channel axis at
#   initialisation and equals the formula; Dense on (N, H, W, C) equals x @ kernel + bias per pixel.
import numpy as np
import keras
from keras import layers, ops

keras.utils.set_random_seed(0)


class LayerScale(layers.Layer):
    """Layer scale module: multiplies the block's output by a learned per-channel gamma."""

    def __init__(self, init_values, projection_dim, **kwargs):
        super().__init__(**kwargs)
        self.init_values = init_values
        self.projection_dim = projection_dim

    def build(self, input_shape):
        self.gamma = self.add_weight(
            shape=(self.projection_dim,),
            initializer=keras.initializers.Constant(self.init_values),
            trainable=True,
        )

    def call(self, x):
        return x * ops.cast(self.gamma, x.dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"init_values": self.init_values, "projection_dim": self.projection_dim})
        return config


def ConvNeXtBlock(projection_dim, layer_scale_init_value=1e-6, name=None):
    def apply(inputs):
        x = inputs
        x = layers.DepthwiseConv2D(kernel_size=7, padding="same", name=name + "_depthwise_conv")(x)
        x = layers.LayerNormalization(epsilon=1e-6, name=name + "_layernorm")(x)
        x = layers.Dense(4 * projection_dim, name=name + "_pointwise_conv_1")(x)
        x = layers.Activation("gelu", name=name + "_gelu")(x)
        x = layers.Dense(projection_dim, name=name + "_pointwise_conv_2")(x)
        if layer_scale_init_value is not None:
            x = LayerScale(layer_scale_init_value, projection_dim, name=name + "_layer_scale")(x)
        return layers.add([inputs, x])
    return apply


# exact: LayerNormalization on images normalises each pixel's channel vector
x = np.random.rand(2, 5, 5, 8).astype("float32") * 10
ln = layers.LayerNormalization(epsilon=1e-6)
y = np.asarray(ln(x))
expected = (x - x.mean(axis=-1, keepdims=True)) / np.sqrt(x.var(axis=-1, keepdims=True) + 1e-6)
print("layer norm: mean %.2e, var %.4f" % (np.abs(y.mean(axis=-1)).max(), y.var(axis=-1).mean()))
assert np.allclose(y, expected, atol=1e-4)
assert [w.shape for w in ln.get_weights()] == [(8,), (8,)]
# exact: Dense on a 4D tensor is a per-pixel matrix product
dense = layers.Dense(3)
z = np.asarray(dense(x))
kernel, bias = dense.get_weights()
assert z.shape == (2, 5, 5, 3) and np.allclose(z, x @ kernel + bias, atol=1e-4)
print("pointwise Dense on (2, 5, 5, 8):", z.shape)

inputs = keras.Input(shape=(64, 64, 3))
x = layers.Rescaling(1.0 / 255)(inputs)
x = layers.Conv2D(16, kernel_size=4, strides=4, name="stem_conv")(x)
x = layers.LayerNormalization(epsilon=1e-6, name="stem_layernorm")(x)
for i in range(2):
    x = ConvNeXtBlock(16, name="stage_0_block_%d" % i)(x)
x = layers.GlobalAveragePooling2D()(x)
x = layers.LayerNormalization(epsilon=1e-6, name="head_layernorm")(x)
outputs = layers.Dense(3, activation="softmax", name="predictions")(x)
model = keras.Model(inputs, outputs, name="convnext_tiny_tiny")
model.summary()
print("output_shape", model.output_shape)
assert model.output_shape == (None, 3)
assert model.get_layer("stage_0_block_0_pointwise_conv_1").output.shape[1:] == (16, 16, 64)
scale = model.get_layer("stage_0_block_1_layer_scale")
assert np.allclose(scale.get_weights()[0], 1e-6)

train_ds = keras.utils.image_dataset_from_directory("Covid19-dataset/train", image_size=(64, 64),
                                                    batch_size=16, label_mode="categorical", seed=0)
val_ds = keras.utils.image_dataset_from_directory("Covid19-dataset/test", image_size=(64, 64),
                                                  batch_size=16, label_mode="categorical")
steps = 3 * len(train_ds)
schedule = keras.optimizers.schedules.CosineDecay(1e-3, decay_steps=steps)
model.compile(optimizer=keras.optimizers.AdamW(learning_rate=schedule, weight_decay=0.05),
              loss=keras.losses.CategoricalCrossentropy(label_smoothing=0.1),
              metrics=["accuracy"])
history = model.fit(train_ds, validation_data=val_ds, epochs=3, verbose=0)
print("loss per epoch", np.round(history.history["loss"], 4),
      "val_accuracy", np.round(history.history["val_accuracy"], 3))
assert history.history["loss"][-1] < history.history["loss"][0]
print("layer scale after training:", np.abs(scale.get_weights()[0]).max() > 1e-6)
assert float(schedule(steps)) < 1e-6
