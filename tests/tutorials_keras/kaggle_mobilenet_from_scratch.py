# Follows: the "MobileNet from scratch" Kaggle notebooks written after keras.applications.MobileNet's
#   source (depthwise-separable blocks with ReLU(6.), ZeroPadding2D(((0, 1), (0, 1))) before a strided
#   depthwise conv, the Reshape / Dropout / 1x1 Conv2D / Reshape / Activation head), with a
#   squeeze-and-excitation block as in MobileNetV3 / SE-Net notebooks
#   https://github.com/keras-team/keras/blob/master/keras/src/applications/mobilenet.py
#   https://www.kaggle.com/code  (search: "MobileNet from scratch keras DepthwiseConv2D")
# Keras 3 spelling (`import keras`, `from keras import layers`).
# Shrunk: alpha 1.0 -> 4 blocks of 8-32 filters, input 64x64x3 (the X-ray sample), 2 epochs.
# Exercises: DepthwiseConv2D((3, 3), padding, depth_multiplier=1, strides, use_bias=False), ReLU(6.),
#   ZeroPadding2D(padding=((0, 1), (0, 1))), BatchNormalization, 1x1 Conv2D, GlobalAveragePooling2D(),
#   Reshape((1, 1, C)), Dropout, Conv2D(classes, (1, 1)) as the classifier, Reshape((classes,)),
#   Activation('softmax'), the SE block (GlobalAveragePooling2D, Reshape, Dense relu, Dense
#   hard_sigmoid, Multiply()), count_params, output_shape.
# Exact checks: a DepthwiseConv2D kernel is (3, 3, C, 1) with 9*C weights and no bias; its output equals a
#   per-channel 3x3 correlation computed with NumPy; ReLU(6.) clips at 6.
import numpy as np
import keras
from keras import layers

keras.utils.set_random_seed(3)


def _conv_block(inputs, filters, kernel=(3, 3), strides=(1, 1)):
    x = layers.Conv2D(filters, kernel, padding="same", use_bias=False, strides=strides,
                      name="conv1")(inputs)
    x = layers.BatchNormalization(name="conv1_bn")(x)
    return layers.ReLU(6.0, name="conv1_relu")(x)


def _depthwise_conv_block(inputs, pointwise_conv_filters, depth_multiplier=1, strides=(1, 1),
                          block_id=1):
    if strides == (1, 1):
        x = inputs
    else:
        x = layers.ZeroPadding2D(((0, 1), (0, 1)), name="conv_pad_%d" % block_id)(inputs)
    x = layers.DepthwiseConv2D((3, 3), padding="same" if strides == (1, 1) else "valid",
                               depth_multiplier=depth_multiplier, strides=strides,
                               use_bias=False, name="conv_dw_%d" % block_id)(x)
    x = layers.BatchNormalization(name="conv_dw_%d_bn" % block_id)(x)
    x = layers.ReLU(6.0, name="conv_dw_%d_relu" % block_id)(x)

    x = layers.Conv2D(pointwise_conv_filters, (1, 1), padding="same", use_bias=False,
                      strides=(1, 1), name="conv_pw_%d" % block_id)(x)
    x = layers.BatchNormalization(name="conv_pw_%d_bn" % block_id)(x)
    return layers.ReLU(6.0, name="conv_pw_%d_relu" % block_id)(x)


def squeeze_excite_block(inputs, ratio=4):
    filters = inputs.shape[-1]
    se = layers.GlobalAveragePooling2D()(inputs)
    se = layers.Reshape((1, 1, filters))(se)
    se = layers.Dense(filters // ratio, activation="relu", use_bias=False)(se)
    se = layers.Dense(filters, activation="hard_sigmoid", use_bias=False)(se)
    return layers.Multiply()([inputs, se])


def MobileNet(input_shape=(64, 64, 3), classes=3, dropout=1e-3):
    img_input = keras.Input(shape=input_shape)
    x = layers.Rescaling(1.0 / 127.5, offset=-1)(img_input)
    x = _conv_block(x, 8, strides=(2, 2))
    x = _depthwise_conv_block(x, 16, block_id=1)
    x = _depthwise_conv_block(x, 16, strides=(2, 2), block_id=2)
    x = _depthwise_conv_block(x, 32, block_id=3)
    x = squeeze_excite_block(x)
    x = _depthwise_conv_block(x, 32, strides=(2, 2), block_id=4)

    x = layers.GlobalAveragePooling2D(keepdims=True)(x)
    x = layers.Dropout(dropout, name="dropout")(x)
    x = layers.Conv2D(classes, (1, 1), padding="same", name="conv_preds")(x)
    x = layers.Reshape((classes,), name="reshape_2")(x)
    x = layers.Activation(activation="softmax", name="predictions")(x)
    return keras.Model(img_input, x, name="mobilenet_tiny")


model = MobileNet()
model.summary()
print("output_shape", model.output_shape, "params", model.count_params())
assert model.output_shape == (None, 3)
dw = model.get_layer("conv_dw_3")
print("conv_dw_3 kernel", [w.shape for w in dw.get_weights()])
assert [w.shape for w in dw.get_weights()] == [(3, 3, 16, 1)]
assert model.get_layer("conv_pad_2").output.shape[1:] == (33, 33, 16)
assert model.get_layer("conv_dw_2").output.shape[1:] == (16, 16, 16)
multiply = [l for l in model.layers if isinstance(l, layers.Multiply)][0]
assert tuple(multiply.output.shape) == (None, 16, 16, 32)

# exact: DepthwiseConv2D is a per-channel correlation; ReLU(6.) clips
depthwise = layers.DepthwiseConv2D(3, use_bias=False)
x = np.random.rand(1, 5, 5, 2).astype("float32")
y = np.asarray(depthwise(x))
kernel = depthwise.get_weights()[0]
expected = np.zeros((1, 3, 3, 2), "float32")
for i in range(3):
    for j in range(3):
        expected[0, i, j] = np.einsum("hwc,hwc->c", x[0, i:i + 3, j:j + 3], kernel[..., 0])
assert np.allclose(y, expected, atol=1e-5)
assert np.array_equal(np.asarray(layers.ReLU(6.0)(np.array([[-1.0, 3.0, 9.0]]))), [[0.0, 3.0, 6.0]])
print("depthwise = per-channel correlation; ReLU(6.) clips: ok")

train_ds = keras.utils.image_dataset_from_directory("Covid19-dataset/train", image_size=(64, 64),
                                                    batch_size=16, label_mode="categorical", seed=3)
test_ds = keras.utils.image_dataset_from_directory("Covid19-dataset/test", image_size=(64, 64),
                                                   batch_size=16, label_mode="categorical",
                                                   shuffle=False)
model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="categorical_crossentropy",
              metrics=["accuracy"])
history = model.fit(train_ds, validation_data=test_ds, epochs=2, verbose=0)
print("loss per epoch", np.round(history.history["loss"], 4),
      "val_accuracy", np.round(history.history["val_accuracy"], 3))
probabilities = model.predict(test_ds, verbose=0)
assert probabilities.shape == (30, 3) and np.allclose(probabilities.sum(axis=1), 1, atol=1e-5)
