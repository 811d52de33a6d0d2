# Follows: Machine Learning Mastery, "How to Use the Keras Functional API for Deep Learning" (J. Brownlee)
#   and "How to Develop VGG, Inception and ResNet Modules from Scratch in Keras"
#   https://machinelearningmastery.com/keras-functional-api-deep-learning/
#   https://machinelearningmastery.com/how-to-implement-major-architecture-innovations-for-convolutional-neural-networks/
# tf.keras spelling of the posts' imports (`from tensorflow.keras.models import Model`,
#   `from tensorflow.keras.layers import ...`).
# Shrunk: the posts only build and summarise; here each model is also fitted 1 epoch on the X-ray sample
#   (64x64 grayscale and 32x32 RGB copies of the same 90 images). The "shared feature extraction layer"
#   and "multiple output" examples use LSTMs on sequences in the post; here the shared layer is a Dense
#   and the two outputs are a class and a brightness regression, as the post's structure.
# Exercises: shared input layer (two Conv2D branches, kernel 4 and 8, from one Input, Flatten, concatenate),
#   multiple input model (a grayscale 64x64 and an RGB 32x32 input, concatenate), multiple output model
#   (Model(inputs=visible, outputs=[output1, output2]), two losses), the naive inception module
#   (concatenate([conv1, conv3, conv5, pool], axis=-1)), the projection residual module (Conv2D 1x1, add,
#   Activation('relu')), model.summary(), model.output_shape, predict with several outputs.
import os

import numpy as np
from PIL import Image
from tensorflow.keras.layers import (Activation, Conv2D, Dense, Flatten, Input, MaxPooling2D,
                                     add, concatenate)
from tensorflow.keras.models import Model

np.random.seed(1)
classes = ["Covid", "Normal", "Pneumonia"]
gray, color, labels = [], [], []
for label, name in enumerate(classes):
    folder = os.path.join("Covid19-dataset", "train", name)
    for file in sorted(os.listdir(folder)):
        image = Image.open(os.path.join(folder, file))
        gray.append(np.asarray(image.convert("L").resize((64, 64)), dtype="float32")[..., None] / 255)
        color.append(np.asarray(image.convert("RGB").resize((32, 32)), dtype="float32") / 255)
        labels.append(label)
gray, color, labels = np.array(gray), np.array(color), np.array(labels)
print("gray", gray.shape, "color", color.shape)

# Shared Input Layer
visible = Input(shape=(64, 64, 1))
# first feature extractor
conv1 = Conv2D(32, kernel_size=4, activation='relu')(visible)
pool1 = MaxPooling2D(pool_size=(2, 2))(conv1)
flat1 = Flatten()(pool1)
# second feature extractor
conv2 = Conv2D(16, kernel_size=8, activation='relu')(visible)
pool2 = MaxPooling2D(pool_size=(2, 2))(conv2)
flat2 = Flatten()(pool2)
# merge feature extractors
merge = concatenate([flat1, flat2])
# interpretation layer
hidden1 = Dense(10, activation='relu')(merge)
# prediction output
output = Dense(3, activation='softmax')(hidden1)
model = Model(inputs=visible, outputs=output)
# summarize layers
model.summary()
print("merged features:", merge.shape[-1], "=", flat1.shape[-1], "+", flat2.shape[-1])
assert merge.shape[-1] == 30 * 30 * 32 + 28 * 28 * 16
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(gray, labels, epochs=1, batch_size=16, verbose=0)

# Multiple Input Model
# first input model
visible1 = Input(shape=(64, 64, 1))
conv11 = Conv2D(16, kernel_size=4, activation='relu')(visible1)
pool11 = MaxPooling2D(pool_size=(2, 2))(conv11)
flat1 = Flatten()(pool11)
# second input model
visible2 = Input(shape=(32, 32, 3))
conv21 = Conv2D(16, kernel_size=4, activation='relu')(visible2)
pool21 = MaxPooling2D(pool_size=(2, 2))(conv21)
flat2 = Flatten()(pool21)
# merge input models
merge = concatenate([flat1, flat2])
# interpretation model
hidden1 = Dense(10, activation='relu')(merge)
output = Dense(3, activation='softmax')(hidden1)
model = Model(inputs=[visible1, visible2], outputs=output)
model.summary()
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
history = model.fit([gray, color], labels, epochs=2, batch_size=16, verbose=0)
print("two-input accuracy:", np.round(history.history["accuracy"], 3))
assert model.predict([gray[:4], color[:4]], verbose=0).shape == (4, 3)

# Multiple Output Model
visible = Input(shape=(32, 32, 3))
extract = Conv2D(8, 3, activation='relu')(visible)
extract = Flatten()(extract)
shared = Dense(10, activation='relu')(extract)  # shared feature extraction
# output 1: the class
output1 = Dense(3, activation='softmax', name="diagnosis")(shared)
# output 2: the mean brightness
output2 = Dense(1, activation='linear', name="brightness")(shared)
model = Model(inputs=visible, outputs=[output1, output2])
model.summary()
model.compile(optimizer="adam", loss=["sparse_categorical_crossentropy", "mse"])
brightness = color.mean(axis=(1, 2, 3))
model.fit(color, [labels, brightness], epochs=1, batch_size=16, verbose=0)
diagnosis, predicted_brightness = model.predict(color[:5], verbose=0)
print("outputs:", diagnosis.shape, predicted_brightness.shape, "output_shape", model.output_shape)
assert diagnosis.shape == (5, 3) and predicted_brightness.shape == (5, 1)
assert model.output_shape == [(None, 3), (None, 1)]


# function for creating a naive inception block
def naive_inception_module(layer_in, f1, f2, f3):
    # 1x1 conv
    conv1 = Conv2D(f1, (1, 1), padding='same', activation='relu')(layer_in)
    # 3x3 conv
    conv3 = Conv2D(f2, (3, 3), padding='same', activation='relu')(layer_in)
    # 5x5 conv
    conv5 = Conv2D(f3, (5, 5), padding='same', activation='relu')(layer_in)
    # 3x3 max pooling
    pool = MaxPooling2D((3, 3), strides=(1, 1), padding='same')(layer_in)
    # concatenate filters, assumes filters/channels last
    layer_out = concatenate([conv1, conv3, conv5, pool], axis=-1)
    return layer_out


# function for creating an identity or projection residual module
def residual_module(layer_in, n_filters):
    merge_input = layer_in
    # check if the number of filters needs to be increase, assumes channels last format
    if layer_in.shape[-1] != n_filters:
        merge_input = Conv2D(n_filters, (1, 1), padding='same', activation='relu',
                             kernel_initializer='he_normal')(layer_in)
    # conv1
    conv1 = Conv2D(n_filters, (3, 3), padding='same', activation='relu',
                   kernel_initializer='he_normal')(layer_in)
    # conv2
    conv2 = Conv2D(n_filters, (3, 3), padding='same', activation='linear',
                   kernel_initializer='he_normal')(conv1)
    # add filters, assumes filters/channels last
    layer_out = add([conv2, merge_input])
    # activation function
    layer_out = Activation('relu')(layer_out)
    return layer_out


# define model input
visible = Input(shape=(32, 32, 3))
# add inception module
layer = naive_inception_module(visible, 8, 16, 4)
# add residual module
layer = residual_module(layer, 16)
layer = MaxPooling2D((4, 4))(layer)
layer = Flatten()(layer)
output = Dense(3, activation='softmax')(layer)
# create model
model = Model(inputs=visible, outputs=output)
# summarize model
model.summary()
inception_out = model.layers[5]
print("inception block output:", inception_out.output.shape, "params", model.count_params())
assert tuple(inception_out.output.shape) == (None, 32, 32, 8 + 16 + 4 + 3)
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
history = model.fit(color, labels, epochs=2, batch_size=16, verbose=0)
print("inception+residual loss:", np.round(history.history["loss"], 4))
assert history.history["loss"][1] < history.history["loss"][0]
