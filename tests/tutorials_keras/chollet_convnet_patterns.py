# Follows: Chollet, Deep Learning with Python (2nd ed.), ch. 9.3 "Modern convnet architecture patterns"
#   (residual_block with a 1x1 projection, batch normalization with use_bias=False, depthwise separable
#   convolutions) and ch. 9.4 "Visualizing intermediate activations" (activation_model)
#   https://github.com/fchollet/deep-learning-with-python-notebooks/blob/master/chapter09_part02_modern-convnet-architecture-patterns.ipynb
#   https://github.com/fchollet/deep-learning-with-python-notebooks/blob/master/chapter09_part03_interpreting-what-convnets-learn.ipynb
# Keras 3 spelling as the notebooks now use it (`from tensorflow import keras`, `from tensorflow.keras import layers`).
# Shrunk: the book's 32x32 toy input and its 180x180 cats-vs-dogs mini-Xception become the X-ray sample
#   at 64x64 (3 classes), filters [16, 32], 2 epochs.
# Exercises: layers.add([x, residual]) with residual = Conv2D(filters, 1, strides=2) or Conv2D(filters, 1),
#   padding="same" everywhere, MaxPooling2D(2, padding="same"), SeparableConv2D(use_bias=False) +
#   BatchNormalization + Activation, a data_augmentation Sequential (RandomFlip, RandomRotation, RandomZoom)
#   used as the model's first layer, Rescaling; then keras.Model(inputs=model.input, outputs=layer_outputs)
#   and its summary() (a model built from intermediate layers' outputs), predict returning one array per
#   output, matplotlib matshow of a channel.
import os

import matplotlib.pyplot as plt
import numpy as np
from tensorflow import keras
from tensorflow.keras import layers

keras.utils.set_random_seed(9)

# 9.3.1 Residual connections: the book's toy example
inputs = keras.Input(shape=(32, 32, 3))
x = layers.Conv2D(32, 3, activation="relu")(inputs)
residual = x
x = layers.Conv2D(64, 3, activation="relu", padding="same")(x)
residual = layers.Conv2D(64, 1)(residual)
x = layers.add([x, residual])
toy = keras.Model(inputs, x)
print("toy residual output:", toy.output_shape)
assert toy.output_shape == (None, 30, 30, 64)


def residual_block(x, filters, pooling=False):
    residual = x
    x = layers.Conv2D(filters, 3, activation="relu", padding="same")(x)
    x = layers.Conv2D(filters, 3, activation="relu", padding="same")(x)
    if pooling:
        x = layers.MaxPooling2D(2, padding="same")(x)
        residual = layers.Conv2D(filters, 1, strides=2)(residual)
    elif filters != residual.shape[-1]:
        residual = layers.Conv2D(filters, 1)(residual)
    x = layers.add([x, residual])
    return x


inputs = keras.Input(shape=(32, 32, 3))
x = layers.Rescaling(1./255)(inputs)
x = residual_block(x, filters=16, pooling=True)
x = residual_block(x, filters=32, pooling=True)
x = residual_block(x, filters=64, pooling=False)
x = layers.GlobalAveragePooling2D()(x)
outputs = layers.Dense(1, activation="sigmoid")(x)
model = keras.Model(inputs=inputs, outputs=outputs)
model.summary()
assert model.output_shape == (None, 1)

# 9.3.5 Putting it together: a mini Xception-like model on the X-ray sample
train_dataset = keras.utils.image_dataset_from_directory(
    "Covid19-dataset/train", image_size=(64, 64), batch_size=16)
validation_dataset = keras.utils.image_dataset_from_directory(
    "Covid19-dataset/test", image_size=(64, 64), batch_size=16)

data_augmentation = keras.Sequential(
    [
        layers.RandomFlip("horizontal"),
        layers.RandomRotation(0.1),
        layers.RandomZoom(0.2),
    ]
)

inputs = keras.Input(shape=(64, 64, 3))
x = data_augmentation(inputs)

x = layers.Rescaling(1./255)(x)
x = layers.Conv2D(filters=16, kernel_size=5, use_bias=False)(x)

for size in [16, 32]:
    residual = x

    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    x = layers.SeparableConv2D(size, 3, padding="same", use_bias=False)(x)

    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    x = layers.SeparableConv2D(size, 3, padding="same", use_bias=False)(x)

    x = layers.MaxPooling2D(3, strides=2, padding="same")(x)

    residual = layers.Conv2D(
        size, 1, strides=2, padding="same", use_bias=False)(residual)
    x = layers.add([x, residual])

x = layers.GlobalAveragePooling2D()(x)
x = layers.Dropout(0.5)(x)
outputs = layers.Dense(3, activation="softmax")(x)
model = keras.Model(inputs=inputs, outputs=outputs)

model.compile(loss="sparse_categorical_crossentropy",
              optimizer="rmsprop",
              metrics=["accuracy"])
history = model.fit(
    train_dataset,
    epochs=2,
    validation_data=validation_dataset,
    verbose=2)
print("val_accuracy:", np.round(history.history["val_accuracy"], 3))
separable = [l for l in model.layers if isinstance(l, layers.SeparableConv2D)]
assert len(separable) == 4 and all(len(l.get_weights()) == 2 for l in separable)  # no bias

# 9.4.1 Visualizing intermediate activations
img_path = os.path.join("Covid19-dataset/test/Covid", sorted(os.listdir("Covid19-dataset/test/Covid"))[0])


def get_img_array(img_path, target_size):
    img = keras.utils.load_img(
        img_path, target_size=target_size)
    array = keras.utils.img_to_array(img)
    array = np.expand_dims(array, axis=0)
    return array


img_tensor = get_img_array(img_path, target_size=(64, 64))

layer_outputs = []
layer_names = []
for layer in model.layers:
    if isinstance(layer, (layers.Conv2D, layers.MaxPooling2D)):
        layer_outputs.append(layer.output)
        layer_names.append(layer.name)
activation_model = keras.Model(inputs=model.input, outputs=layer_outputs)
activation_model.summary()

activations = activation_model.predict(img_tensor, verbose=0)
print("activations:", [(name, a.shape) for name, a in zip(layer_names, activations)])
assert len(activations) == len(layer_outputs) == 5
first_layer_activation = activations[0]
print(first_layer_activation.shape)
assert first_layer_activation.shape == (1, 60, 60, 16)

plt.matshow(first_layer_activation[0, :, :, 5], cmap="viridis")
plt.savefig("activation_channel_5.png")
plt.close()
assert os.path.exists("activation_channel_5.png")
