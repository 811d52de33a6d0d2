# Project: classifying galaxies with a CNN (Galaxy Zoo)
import tensorflow as tf
from sklearn.model_selection import train_test_split
from tensorflow.keras.preprocessing.image import ImageDataGenerator

from utils import load_galaxy_data
from visualize import visualize_activations

input_data, labels = load_galaxy_data()
print(input_data.shape)
print(labels.shape)

x_train, x_valid, y_train, y_valid = train_test_split(
    input_data, labels, test_size=0.20, stratify=labels, shuffle=True, random_state=222)

data_generator = ImageDataGenerator(rescale=1.0 / 255)
training_iterator = data_generator.flow(x_train, y_train, batch_size=5)
validation_iterator = data_generator.flow(x_valid, y_valid, batch_size=5)

model = tf.keras.Sequential()
model.add(tf.keras.Input(shape=(128, 128, 3)))
model.add(tf.keras.layers.Conv2D(8, 3, strides=2, activation="relu"))
model.add(tf.keras.layers.MaxPooling2D(pool_size=(2, 2), strides=(2, 2)))
model.add(tf.keras.layers.Conv2D(8, 3, strides=2, activation="relu"))
model.add(tf.keras.layers.MaxPooling2D(pool_size=(2, 2), strides=(2, 2)))
model.add(tf.keras.layers.Flatten())
model.add(tf.keras.layers.Dense(16, activation="relu"))
model.add(tf.keras.layers.Dense(4, activation="softmax"))

model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=0.001),
              loss=tf.keras.losses.CategoricalCrossentropy(),
              metrics=[tf.keras.metrics.CategoricalAccuracy(), tf.keras.metrics.AUC()])
model.summary()

history = model.fit(training_iterator, steps_per_epoch=len(x_train) / 5, epochs=1,
                    validation_data=validation_iterator, validation_steps=len(x_valid) / 5)
print(history.history)
assert set(history.history) == {"loss", "categorical_accuracy", "auc", "val_loss",
                                "val_categorical_accuracy", "val_auc"}

activations = visualize_activations(model, validation_iterator)
assert [a.shape for a in activations] == [(1, 63, 63, 8), (1, 15, 15, 8)]
