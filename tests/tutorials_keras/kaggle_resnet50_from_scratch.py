# Follows: the "ResNet50 from scratch in Keras" notebooks (Kaggle; after the deeplearning.ai course's
#   identity_block / convolutional_block and P. Dwivedi's "Understanding and Coding a ResNet in Keras")
#   https://www.kaggle.com/code  (search: "ResNet50 from scratch keras identity_block convolutional_block")
#   https://keras.io/api/layers/merging_layers/add/
# tf.keras spelling (`from tensorflow.keras.layers import ...`, `from tensorflow.keras.models import Model`,
#   `from tensorflow.keras.initializers import glorot_uniform`).
# Shrunk: stages 2 and 3 only (one convolutional + one identity block each), filters /16, input 32x32x3
#   (the galaxy sample's 8 pictures, 4 classes, repeated with flips), 2 epochs.
# Exercises: ZeroPadding2D((3, 3)) before a 7x7/2 stem, BatchNormalization(axis=3, name=...), layer names
#   built from stage and block ('res2a_branch2a'), Add() as a layer object, Activation('relu'),
#   AveragePooling2D((2, 2), name='avg_pool'), kernel_initializer=glorot_uniform(seed=0),
#   Model(inputs=X_input, outputs=X, name='ResNet50'), summary(), get_layer by name, output_shape,
#   fit / evaluate / predict.
import os

import numpy as np
import tensorflow as tf
from PIL import Image
from tensorflow.keras.initializers import glorot_uniform
from tensorflow.keras.layers import (Activation, Add, AveragePooling2D, BatchNormalization, Conv2D,
                                     Dense, Flatten, Input, MaxPooling2D, ZeroPadding2D)
from tensorflow.keras.models import Model

tf.keras.utils.set_random_seed(0)


def identity_block(X, f, filters, stage, block):
    conv_name_base = 'res' + str(stage) + block + '_branch'
    bn_name_base = 'bn' + str(stage) + block + '_branch'
    F1, F2, F3 = filters
    X_shortcut = X

    X = Conv2D(filters=F1, kernel_size=(1, 1), strides=(1, 1), padding='valid',
               name=conv_name_base + '2a', kernel_initializer=glorot_uniform(seed=0))(X)
    X = BatchNormalization(axis=3, name=bn_name_base + '2a')(X)
    X = Activation('relu')(X)

    X = Conv2D(filters=F2, kernel_size=(f, f), strides=(1, 1), padding='same',
               name=conv_name_base + '2b', kernel_initializer=glorot_uniform(seed=0))(X)
    X = BatchNormalization(axis=3, name=bn_name_base + '2b')(X)
    X = Activation('relu')(X)

    X = Conv2D(filters=F3, kernel_size=(1, 1), strides=(1, 1), padding='valid',
               name=conv_name_base + '2c', kernel_initializer=glorot_uniform(seed=0))(X)
    X = BatchNormalization(axis=3, name=bn_name_base + '2c')(X)

    X = Add()([X, X_shortcut])
    X = Activation('relu')(X)
    return X


def convolutional_block(X, f, filters, stage, block, s=2):
    conv_name_base = 'res' + str(stage) + block + '_branch'
    bn_name_base = 'bn' + str(stage) + block + '_branch'
    F1, F2, F3 = filters
    X_shortcut = X

    X = Conv2D(F1, (1, 1), strides=(s, s), name=conv_name_base + '2a',
               kernel_initializer=glorot_uniform(seed=0))(X)
    X = BatchNormalization(axis=3, name=bn_name_base + '2a')(X)
    X = Activation('relu')(X)

    X = Conv2D(F2, (f, f), strides=(1, 1), padding='same', name=conv_name_base + '2b',
               kernel_initializer=glorot_uniform(seed=0))(X)
    X = BatchNormalization(axis=3, name=bn_name_base + '2b')(X)
    X = Activation('relu')(X)

    X = Conv2D(F3, (1, 1), strides=(1, 1), padding='valid', name=conv_name_base + '2c',
               kernel_initializer=glorot_uniform(seed=0))(X)
    X = BatchNormalization(axis=3, name=bn_name_base + '2c')(X)

    X_shortcut = Conv2D(F3, (1, 1), strides=(s, s), padding='valid', name=conv_name_base + '1',
                        kernel_initializer=glorot_uniform(seed=0))(X_shortcut)
    X_shortcut = BatchNormalization(axis=3, name=bn_name_base + '1')(X_shortcut)

    X = Add()([X, X_shortcut])
    X = Activation('relu')(X)
    return X


def ResNet50(input_shape=(32, 32, 3), classes=4):
    X_input = Input(input_shape)

    # Zero-Padding
    X = ZeroPadding2D((3, 3))(X_input)

    # Stage 1
    X = Conv2D(4, (7, 7), strides=(2, 2), name='conv1', kernel_initializer=glorot_uniform(seed=0))(X)
    X = BatchNormalization(axis=3, name='bn_conv1')(X)
    X = Activation('relu')(X)
    X = MaxPooling2D((3, 3), strides=(2, 2))(X)

    # Stage 2
    X = convolutional_block(X, f=3, filters=[4, 4, 16], stage=2, block='a', s=1)
    X = identity_block(X, 3, [4, 4, 16], stage=2, block='b')

    # Stage 3
    X = convolutional_block(X, f=3, filters=[8, 8, 32], stage=3, block='a', s=2)
    X = identity_block(X, 3, [8, 8, 32], stage=3, block='b')

    # AVGPOOL
    X = AveragePooling2D((2, 2), name='avg_pool')(X)

    # output layer
    X = Flatten()(X)
    X = Dense(classes, activation='softmax', name='fc' + str(classes),
              kernel_initializer=glorot_uniform(seed=0))(X)

    # Create model
    model = Model(inputs=X_input, outputs=X, name='ResNet50')
    return model


model = ResNet50(input_shape=(32, 32, 3), classes=4)
model.summary()
print("name", model.name, "output_shape", model.output_shape)
print("stem", model.layers[1].output.shape, "stage 2", model.get_layer('res2b_branch2c').output.shape,
      "stage 3", model.get_layer('res3b_branch2c').output.shape)
assert model.layers[1].output.shape[1:] == (38, 38, 3)  # ZeroPadding2D((3, 3)) on 32x32
assert model.get_layer('res2b_branch2c').output.shape[1:] == (7, 7, 16)
assert model.get_layer('res3b_branch2c').output.shape[1:] == (4, 4, 32)
assert sum(isinstance(layer, Add) for layer in model.layers) == 4
assert model.output_shape == (None, 4)

root = os.environ["GALAXY_SAMPLE"]
classes = sorted(os.listdir(root))
X, Y = [], []
for label, name in enumerate(classes):
    for file in sorted(os.listdir(os.path.join(root, name))):
        image = np.asarray(Image.open(os.path.join(root, name, file)).convert("RGB").resize((32, 32)),
                           dtype="float32") / 255.0
        for variant in (image, image[:, ::-1], image[::-1], image[::-1, ::-1]):
            X.append(variant)
            Y.append(label)
X_train, Y_train = np.array(X), tf.keras.utils.to_categorical(Y, 4)
print("number of training examples =", X_train.shape[0], "X_train shape:", X_train.shape)

model.compile(optimizer='adam', loss='categorical_crossentropy', metrics=['accuracy'])
history = model.fit(X_train, Y_train, epochs=2, batch_size=8, verbose=0)
preds = model.evaluate(X_train, Y_train, verbose=0)
print("Loss = %.4f, Train Accuracy = %.4f" % (preds[0], preds[1]))
print("loss per epoch", np.round(history.history["loss"], 4))
probabilities = model.predict(X_train[:4], verbose=0)
assert probabilities.shape == (4, 4) and np.allclose(probabilities.sum(axis=1), 1, atol=1e-5)
