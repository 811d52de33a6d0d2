# Follows: TensorFlow's TensorBoard tutorials "Get started with TensorBoard" (the TensorBoard callback with
#   histogram_freq=1 and a timestamped log_dir) and "Displaying image data in TensorBoard" (tf.summary
#   image summaries, plot_to_image, a confusion matrix logged from a LambdaCallback)
#   https://www.tensorflow.org/tensorboard/get_started
#   https://www.tensorflow.org/tensorboard/image_summaries
# tf.keras spelling (`import tensorflow as tf`, `from tensorflow import keras`, scikit-learn's metrics).
# Shrunk: the 600-image Fashion-MNIST slice, 512 -> 32 units, 2 epochs.
# Exercises: keras.callbacks.TensorBoard(log_dir=..., histogram_freq=1) writing event files under
#   log_dir/train and log_dir/validation, tf.summary.create_file_writer, `with file_writer.as_default():`
#   tf.summary.image(name, data, max_outputs=, step=), np.reshape to (-1, 28, 28, 1), a matplotlib figure
#   turned into a PNG tensor (io.BytesIO, tf.image.decode_png(buf.getvalue(), channels=4),
#   tf.expand_dims), keras.callbacks.LambdaCallback(on_epoch_end=log_confusion_matrix),
#   sklearn.metrics.confusion_matrix, model.predict inside a callback.
import datetime
import io
import itertools
import os

import matplotlib.pyplot as plt
import numpy as np
import sklearn.metrics
import tensorflow as tf
from tensorflow import keras

tf.random.set_seed(0)
keras.utils.set_random_seed(0)

fashion_mnist = keras.datasets.fashion_mnist
(train_images, train_labels), (test_images, test_labels) = fashion_mnist.load_data()
class_names = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat',
               'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']
train_images = train_images / 255.0
test_images = test_images / 255.0

logdir = "logs/image/" + datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
# Creates a file writer for the log directory.
file_writer = tf.summary.create_file_writer(logdir)

# Reshape the image for the Summary API.
img = np.reshape(train_images[0], (-1, 28, 28, 1))
# Using the file writer, log the reshaped image.
with file_writer.as_default():
    tf.summary.image("Training data", img, step=0)
    # Don't forget to reshape.
    images = np.reshape(train_images[0:25], (-1, 28, 28, 1))
    tf.summary.image("25 training data examples", images, max_outputs=25, step=0)


def plot_to_image(figure):
    """Converts the matplotlib plot specified by 'figure' to a PNG image and
    returns it. The supplied figure is closed and inaccessible after this call."""
    # Save the plot to a PNG in memory.
    buf = io.BytesIO()
    plt.savefig(buf, format='png')
    # Closing the figure prevents it from being displayed directly inside
    # the notebook.
    plt.close(figure)
    buf.seek(0)
    # Convert PNG buffer to TF image
    image = tf.image.decode_png(buf.getvalue(), channels=4)
    # Add the batch dimension
    image = tf.expand_dims(image, 0)
    return image


def plot_confusion_matrix(cm, class_names):
    figure = plt.figure(figsize=(8, 8))
    plt.imshow(cm, interpolation='nearest', cmap=plt.cm.Blues)
    plt.title("Confusion matrix")
    plt.colorbar()
    tick_marks = np.arange(len(class_names))
    plt.xticks(tick_marks, class_names, rotation=45)
    plt.yticks(tick_marks, class_names)
    # Compute the labels from the normalized confusion matrix.
    labels = np.around(cm.astype('float') / np.maximum(cm.sum(axis=1)[:, np.newaxis], 1), decimals=2)
    # Use white text if squares are dark; otherwise black.
    threshold = cm.max() / 2.
    for i, j in itertools.product(range(cm.shape[0]), range(cm.shape[1])):
        color = "white" if cm[i, j] > threshold else "black"
        plt.text(j, i, labels[i, j], horizontalalignment="center", color=color)
    plt.tight_layout()
    plt.ylabel('True label')
    plt.xlabel('Predicted label')
    return figure


model = keras.models.Sequential([
    keras.layers.Flatten(input_shape=(28, 28)),
    keras.layers.Dense(32, activation='relu'),
    keras.layers.Dropout(0.2),
    keras.layers.Dense(10, activation='softmax')
])
model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])

file_writer_cm = tf.summary.create_file_writer(logdir + '/cm')
cm_images = []


def log_confusion_matrix(epoch, logs):
    # Use the model to predict the values from the validation dataset.
    test_pred_raw = model.predict(test_images, verbose=0)
    test_pred = np.argmax(test_pred_raw, axis=1)
    # Calculate the confusion matrix.
    cm = sklearn.metrics.confusion_matrix(test_labels, test_pred, labels=list(range(10)))
    # Log the confusion matrix as an image summary.
    figure = plot_confusion_matrix(cm, class_names=class_names)
    cm_image = plot_to_image(figure)
    cm_images.append(tuple(cm_image.shape))
    # Log the confusion matrix as an image summary.
    with file_writer_cm.as_default():
        tf.summary.image("epoch_confusion_matrix", cm_image, step=epoch)


# Define the per-epoch callback.
cm_callback = keras.callbacks.LambdaCallback(on_epoch_end=log_confusion_matrix)
tensorboard_callback = keras.callbacks.TensorBoard(log_dir=logdir, histogram_freq=1)

history = model.fit(train_images, train_labels, epochs=2, verbose=0,
                    callbacks=[tensorboard_callback, cm_callback],
                    validation_data=(test_images, test_labels))
file_writer.flush()
file_writer_cm.flush()
print("history keys:", sorted(history.history))
print("confusion-matrix images:", cm_images)
assert cm_images == [(1, 800, 800, 4)] * 2

events = {}
for folder, _, files in os.walk(logdir):
    for name in files:
        if name.startswith("events.out.tfevents"):
            events.setdefault(os.path.relpath(folder, logdir), []).append(name)
print("event files by folder:", {k: len(v) for k, v in sorted(events.items())})
assert {".", "cm", "train", "validation"} <= set(events)
assert all(os.path.getsize(os.path.join(logdir, folder, name)) > 0
           for folder, names in events.items() for name in names)
