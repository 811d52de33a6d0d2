# Project: Covid-19 and pneumonia classification from chest X-rays
import math

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from sklearn.metrics import classification_report, confusion_matrix
from tensorflow.keras.callbacks import EarlyStopping
from tensorflow.keras.preprocessing.image import ImageDataGenerator

BATCH_SIZE = 16

print("Loading training data...")
training_data_generator = ImageDataGenerator(rescale=1.0 / 255, zoom_range=0.1,
                                             rotation_range=25, width_shift_range=0.05,
                                             height_shift_range=0.05)
training_iterator = training_data_generator.flow_from_directory(
    "Covid19-dataset/train", class_mode="categorical", color_mode="grayscale",
    batch_size=BATCH_SIZE)
print("Loading validation data...")
validation_data_generator = ImageDataGenerator(rescale=1.0 / 255)
validation_iterator = validation_data_generator.flow_from_directory(
    "Covid19-dataset/test", class_mode="categorical", color_mode="grayscale",
    batch_size=BATCH_SIZE, shuffle=False)


def design_model(training_data):
    model = tf.keras.Sequential()
    model.add(tf.keras.Input(shape=(256, 256, 1)))
    model.add(tf.keras.layers.Conv2D(5, 5, strides=3, activation="relu"))
    model.add(tf.keras.layers.MaxPooling2D(pool_size=(2, 2), strides=(2, 2)))
    model.add(tf.keras.layers.Dropout(0.1))
    model.add(tf.keras.layers.Conv2D(3, 3, strides=1, activation="relu"))
    model.add(tf.keras.layers.MaxPooling2D(pool_size=(2, 2), strides=(2, 2)))
    model.add(tf.keras.layers.Dropout(0.2))
    model.add(tf.keras.layers.Flatten())
    model.add(tf.keras.layers.Dense(3, activation="softmax"))
    print("\nCompiling model...")
    model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=0.005),
                  loss=tf.keras.losses.CategoricalCrossentropy(),
                  metrics=[tf.keras.metrics.CategoricalAccuracy(), tf.keras.metrics.AUC()])
    model.summary()
    return model


model = design_model(training_iterator)
es = EarlyStopping(monitor="val_auc", mode="min", verbose=1, patience=20)
print("\nTraining model...")
history = model.fit(training_iterator,
                    steps_per_epoch=training_iterator.samples / BATCH_SIZE, epochs=1,
                    validation_data=validation_iterator,
                    validation_steps=validation_iterator.samples / BATCH_SIZE,
                    callbacks=[es])

fig = plt.figure()
ax1 = fig.add_subplot(2, 1, 1)
ax1.plot(history.history["categorical_accuracy"])
ax1.plot(history.history["val_categorical_accuracy"])
ax1.set_title("model accuracy")
ax1.set_xlabel("epoch")
ax1.set_ylabel("accuracy")
ax1.legend(["train", "validation"], loc="upper left")
ax2 = fig.add_subplot(2, 1, 2)
ax2.plot(history.history["auc"])
ax2.plot(history.history["val_auc"])
ax2.set_title("model auc")
fig.tight_layout()
fig.savefig("my_plots.png")

test_steps_per_epoch = math.ceil(validation_iterator.samples / validation_iterator.batch_size)
predictions = model.predict(validation_iterator, steps=test_steps_per_epoch)
predicted_classes = np.argmax(predictions, axis=1)
true_classes = validation_iterator.classes
class_labels = list(validation_iterator.class_indices.keys())
report = classification_report(true_classes, predicted_classes, target_names=class_labels)
print(report)
cm = confusion_matrix(true_classes, predicted_classes)
print(cm)
assert cm.sum() == validation_iterator.samples and predictions.shape == (30, 3)
loss, accuracy, auc = model.evaluate(validation_iterator, verbose=0)
print(loss, accuracy, auc)
