# Follows: Kaggle notebook "Pneumonia Detection using CNN (92.6% Accuracy)" (M. Mathur)
#   https://www.kaggle.com/code/madz2000/pneumonia-detection-using-cnn-92-6-accuracy
# (chest X-ray pneumonia vs normal; here Normal vs Pneumonia of the bundled X-ray sample).
# tf.keras spelling (`from tensorflow.keras.models import Sequential`, `from tensorflow.keras.layers import ...`).
# Exercises: images read into arrays with Pillow, train_test_split(stratify=...),
#   ImageDataGenerator(...).fit + .flow(x, y, batch_size), Conv2D(padding="same") +
#   BatchNormalization + MaxPool2D(padding="same") + Dropout blocks, a sigmoid output,
#   compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"]),
#   ReduceLROnPlateau(monitor="val_accuracy", patience=2, verbose=1, factor=0.3, min_lr=1e-6)
#   (its "learning_rate" entry in history.history), evaluate -> [loss, accuracy],
#   classification_report(..., target_names=..., zero_division=0), confusion_matrix.
import os

import numpy as np
from PIL import Image
import tensorflow as tf
from sklearn.metrics import classification_report, confusion_matrix
from sklearn.model_selection import train_test_split
from tensorflow.keras.callbacks import ReduceLROnPlateau
from tensorflow.keras.layers import BatchNormalization, Conv2D, Dense, Dropout, Flatten, MaxPool2D
from tensorflow.keras.models import Sequential
from tensorflow.keras.preprocessing.image import ImageDataGenerator

tf.random.set_seed(5)
tf.keras.utils.set_random_seed(5)  # Keras 3: tf.random.set_seed alone leaves initial weights unseeded
np.random.seed(5)
labels = ["Pneumonia", "Normal"]  # class 0, class 1 as in the notebook
img_size = 64


def get_data(data_dir):
    images, targets = [], []
    for class_num, label in enumerate(labels):
        path = os.path.join(data_dir, label)
        for name in sorted(os.listdir(path)):
            img = Image.open(os.path.join(path, name)).convert("L").resize((img_size, img_size))
            images.append(np.asarray(img))
            targets.append(class_num)
    return np.array(images), np.array(targets)


x_all, y_all = get_data("Covid19-dataset/train")
x_test, y_test = get_data("Covid19-dataset/test")
print("train+val:", x_all.shape, "test:", x_test.shape, "class counts:", np.bincount(y_all).tolist())

# normalise to [0, 1] and add the channel axis
x_all = (x_all / 255.0).reshape(-1, img_size, img_size, 1)
x_test = (x_test / 255.0).reshape(-1, img_size, img_size, 1)
x_train, x_val, y_train, y_val = train_test_split(x_all, y_all, test_size=0.2, stratify=y_all,
                                                  random_state=0)
print("train:", x_train.shape, "val:", x_val.shape)

datagen = ImageDataGenerator(rotation_range=30, zoom_range=0.2, width_shift_range=0.1,
                             height_shift_range=0.1, horizontal_flip=False)
datagen.fit(x_train)

model = Sequential()
model.add(tf.keras.Input(shape=(img_size, img_size, 1)))
model.add(Conv2D(8, (3, 3), strides=1, padding="same", activation="relu"))
model.add(BatchNormalization())
model.add(MaxPool2D((2, 2), strides=2, padding="same"))
model.add(Conv2D(16, (3, 3), strides=1, padding="same", activation="relu"))
model.add(Dropout(0.1))
model.add(BatchNormalization())
model.add(MaxPool2D((2, 2), strides=2, padding="same"))
model.add(Conv2D(16, (3, 3), strides=1, padding="same", activation="relu"))
model.add(BatchNormalization())
model.add(MaxPool2D((2, 2), strides=2, padding="same"))
model.add(Flatten())
model.add(Dense(32, activation="relu"))
model.add(Dropout(0.2))
model.add(Dense(1, activation="sigmoid"))
model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"])
model.summary()
print("optimizer:", type(model.optimizer).__name__)
assert type(model.optimizer).__name__ == "RMSprop"

learning_rate_reduction = ReduceLROnPlateau(monitor="val_accuracy", patience=2, verbose=1,
                                            factor=0.3, min_lr=0.000001)
history = model.fit(datagen.flow(x_train, y_train, batch_size=16), epochs=3,
                    validation_data=datagen.flow(x_val, y_val), callbacks=[learning_rate_reduction],
                    verbose=2)
print("history keys:", sorted(history.history))
assert sorted(history.history) == ["accuracy", "learning_rate", "loss", "val_accuracy", "val_loss"]
print("learning rates per epoch:", history.history["learning_rate"])
np.testing.assert_allclose(history.history["learning_rate"][0], 0.001, rtol=1e-6)  # rmsprop default

loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
print("Loss of the model is -", loss)
print("Accuracy of the model is -", accuracy * 100, "%")

predictions = (model.predict(x_test, verbose=0) > 0.5).astype("int32").reshape(1, -1)[0]
print("predictions:", predictions.tolist())
report = classification_report(y_test, predictions,
                               target_names=["Pneumonia (Class 0)", "Normal (Class 1)"],
                               zero_division=0)
print(report)
assert "Pneumonia (Class 0)" in report and "Normal (Class 1)" in report
cm = confusion_matrix(y_test, predictions)
print(cm)
assert cm.shape == (2, 2) and cm.sum() == len(y_test)
