# Follows: keras.io example "Image classification with ConvMixer" (S. Paul), with the top-k metric of the
#   keras.io CIFAR examples ("Image classification with Vision Transformer", "... modern MLP models")
#   https://keras.io/examples/vision/convmixer/
#   https://keras.io/examples/vision/image_classification_with_vision_transformer/
# Keras 3 spelling (`import keras`, `from keras import layers`, `import tensorflow as tf` for tf.data).
# Shrunk: CIFAR-10 -> the galaxy sample's 8 pictures (4 classes) x 8 flipped/rotated copies at 32x32,
#   filters 256 -> 16, depth 8 -> 2, patch size 2, 3 epochs.
# Exercises: a data_augmentation Sequential of RandomCrop + RandomFlip used in a tf.data .map,
#   Rescaling in the model, the patch stem Conv2D(kernel_size=patch_size, strides=patch_size),
#   activation_block (Activation("gelu") + BatchNormalization), conv_mixer_block with DepthwiseConv2D(
#   padding="same") and Add()([x, x0]), GlobalAvgPool2D, AdamW(learning_rate, weight_decay),
#   SparseTopKCategoricalAccuracy(2, name="top-2-accuracy"), ModelCheckpoint(save_weights_only=True,
#   save_best_only=True, monitor="val_accuracy"), load_weights, evaluate, the patch-embedding and
#   depthwise kernels read back through model.layers[...].get_weights().
import os

import numpy as np
import tensorflow as tf
import keras
from keras import layers

keras.utils.set_random_seed(42)

learning_rate = 0.001
weight_decay = 0.0001
batch_size = 16
num_epochs = 3
image_size = 32
auto = tf.data.AUTOTUNE

root = os.environ["GALAXY_SAMPLE"]
class_names = sorted(os.listdir(root))
images, labels = [], []
for label, name in enumerate(class_names):
    for file in sorted(os.listdir(os.path.join(root, name))):
        img = keras.utils.img_to_array(keras.utils.load_img(os.path.join(root, name, file),
                                                            target_size=(36, 36)))
        for k in range(4):
            for flipped in (img, img[:, ::-1]):
                images.append(np.rot90(flipped, k))
                labels.append(label)
x_train, y_train = np.array(images), np.array(labels)
order = np.random.permutation(len(x_train))
x_train, y_train = x_train[order], y_train[order]
val_split = 16
new_x_train, new_y_train = x_train[val_split:], y_train[val_split:]
x_val, y_val = x_train[:val_split], y_train[:val_split]
print(f"Training data samples: {len(new_x_train)}")
print(f"Validation data samples: {len(x_val)}")

data_augmentation = keras.Sequential(
    [layers.RandomCrop(image_size, image_size), layers.RandomFlip("horizontal"),],
    name="data_augmentation",
)


def make_datasets(images, labels, is_train=False):
    dataset = tf.data.Dataset.from_tensor_slices((images, labels))
    if is_train:
        dataset = dataset.shuffle(batch_size * 10)
    dataset = dataset.batch(batch_size)
    if is_train:
        dataset = dataset.map(
            lambda x, y: (data_augmentation(x), y), num_parallel_calls=auto
        )
    else:
        dataset = dataset.map(
            lambda x, y: (layers.CenterCrop(image_size, image_size)(x), y), num_parallel_calls=auto
        )
    return dataset.prefetch(auto)


train_dataset = make_datasets(new_x_train, new_y_train, is_train=True)
val_dataset = make_datasets(x_val, y_val)
batch, _ = next(iter(train_dataset))
print("augmented batch", tuple(batch.shape))
assert tuple(batch.shape) == (16, 32, 32, 3)


def activation_block(x):
    x = layers.Activation("gelu")(x)
    return layers.BatchNormalization()(x)


def conv_stem(x, filters: int, patch_size: int):
    x = layers.Conv2D(filters, kernel_size=patch_size, strides=patch_size)(x)
    return activation_block(x)


def conv_mixer_block(x, filters: int, kernel_size: int):
    # Depthwise convolution.
    x0 = x
    x = layers.DepthwiseConv2D(kernel_size=kernel_size, padding="same")(x)
    x = layers.Add()([activation_block(x), x0])  # Residual.

    # Pointwise convolution.
    x = layers.Conv2D(filters, kernel_size=1)(x)
    x = activation_block(x)

    return x


def get_conv_mixer_256_8(image_size=32, filters=16, depth=2, kernel_size=5, patch_size=2,
                         num_classes=4):
    """ConvMixer-256/8: https://openreview.net/pdf?id=TVHS5Y4dNvM.
    The hyperparameter values are taken from the paper.
    """
    inputs = keras.Input((image_size, image_size, 3))
    x = layers.Rescaling(scale=1.0 / 255)(inputs)

    # Extract patch embeddings.
    x = conv_stem(x, filters, patch_size)

    # ConvMixer blocks.
    for _ in range(depth):
        x = conv_mixer_block(x, filters, kernel_size)

    # Classification block.
    x = layers.GlobalAvgPool2D()(x)
    outputs = layers.Dense(num_classes, activation="softmax")(x)

    return keras.Model(inputs, outputs)


def run_experiment(model):
    optimizer = keras.optimizers.AdamW(learning_rate=learning_rate, weight_decay=weight_decay)

    model.compile(
        optimizer=optimizer,
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy", keras.metrics.SparseTopKCategoricalAccuracy(2, name="top-2-accuracy")],
    )

    checkpoint_filepath = "checkpoint.weights.h5"
    checkpoint_callback = keras.callbacks.ModelCheckpoint(
        checkpoint_filepath,
        monitor="val_accuracy",
        save_best_only=True,
        save_weights_only=True,
    )

    history = model.fit(
        train_dataset,
        validation_data=val_dataset,
        epochs=num_epochs,
        callbacks=[checkpoint_callback],
        verbose=0,
    )

    model.load_weights(checkpoint_filepath)
    _, accuracy, top_2 = model.evaluate(val_dataset, verbose=0)
    print(f"Validation accuracy: {round(accuracy * 100, 2)}%, top-2 {round(top_2 * 100, 2)}%")

    return history, model


conv_mixer_model = get_conv_mixer_256_8()
print("output_shape", conv_mixer_model.output_shape)
assert conv_mixer_model.output_shape == (None, 4)
history, conv_mixer_model = run_experiment(conv_mixer_model)
print("history keys", sorted(history.history))
assert "top-2-accuracy" in history.history and "val_top-2-accuracy" in history.history
assert all(t >= a for t, a in zip(history.history["top-2-accuracy"], history.history["accuracy"]))

# Visualizing the internals: the patch embeddings, then a depthwise kernel
patch_embeddings = conv_mixer_model.layers[2].get_weights()[0]
print("patch embeddings", patch_embeddings.shape)
assert patch_embeddings.shape == (2, 2, 3, 16)
for i, layer in enumerate(conv_mixer_model.layers):
    if isinstance(layer, layers.DepthwiseConv2D):
        if layer.get_config()["kernel_size"] == (5, 5):
            print(i, layer)
            idx = i
            break
kernel = conv_mixer_model.layers[idx].get_weights()[0]
print("depthwise kernel", kernel.shape)
assert kernel.shape == (5, 5, 16, 1)
