# Follows: the Kaggle chest X-ray notebooks that list the image files into a pandas DataFrame and feed
#   ImageDataGenerator.flow_from_dataframe (e.g. "Chest X-Ray Images (Pneumonia) | EfficientNet | F1 95%",
#   "COVID-19 Radiography: flow_from_dataframe"), with Géron's pd.DataFrame(history.history).plot()
#   https://www.kaggle.com/datasets/paultimothymooney/chest-xray-pneumonia/code
#   https://keras.io/api/data_loading/image/  (ImageDataGenerator.flow_from_dataframe)
# tf.keras spelling (`import tensorflow as tf`, `from tensorflow.keras.preprocessing.image import ...`).
# Shrunk: the bundled X-ray sample (90 train / 30 test PNGs), 64x64 grayscale, 2 epochs.
# Exercises: a DataFrame of filepaths and labels (pd.Series, pd.concat, value_counts, df.sample(frac=1)),
#   train_test_split on a DataFrame with stratify=df["labels"] (scikit-learn keeps DataFrames: issue 29's
#   silent difference), ImageDataGenerator(rescale=...).flow_from_dataframe(x_col, y_col, target_size,
#   color_mode="grayscale", class_mode="categorical", shuffle, seed), class_indices, .n, predict on a
#   generator, EarlyStopping + ReduceLROnPlateau, pd.DataFrame(history.history), classification_report
#   with target_names.
import os

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import tensorflow as tf
from sklearn.metrics import classification_report, confusion_matrix
from sklearn.model_selection import train_test_split
from tensorflow.keras import layers
from tensorflow.keras.callbacks import EarlyStopping, ReduceLROnPlateau
from tensorflow.keras.preprocessing.image import ImageDataGenerator

tf.random.set_seed(123)
tf.keras.utils.set_random_seed(123)


def define_paths(data_dir):
    filepaths = []
    labels = []
    for fold in sorted(os.listdir(data_dir)):
        foldpath = os.path.join(data_dir, fold)
        for file in sorted(os.listdir(foldpath)):
            filepaths.append(os.path.join(foldpath, file))
            labels.append(fold)
    return filepaths, labels


def define_df(files, classes):
    Fseries = pd.Series(files, name="filepaths")
    Lseries = pd.Series(classes, name="labels")
    return pd.concat([Fseries, Lseries], axis=1)


files, classes = define_paths("Covid19-dataset/train")
df = define_df(files, classes)
df = df.sample(frac=1, random_state=123).reset_index(drop=True)
print(df.head(3).to_string())
print(df["labels"].value_counts().sort_index().to_dict())
assert df.shape == (90, 2)

train_df, valid_df = train_test_split(df, train_size=0.8, shuffle=True, random_state=123,
                                      stratify=df["labels"])
print("train_df", type(train_df).__name__, train_df.shape, "valid_df", valid_df.shape)
assert isinstance(train_df, pd.DataFrame) and isinstance(valid_df, pd.DataFrame)
assert list(train_df.columns) == ["filepaths", "labels"]
assert train_df["labels"].value_counts().tolist() == [24, 24, 24]
test_df = define_df(*define_paths("Covid19-dataset/test"))

batch_size = 16
img_size = (64, 64)
tr_gen = ImageDataGenerator(rescale=1. / 255, horizontal_flip=True)
ts_gen = ImageDataGenerator(rescale=1. / 255)

train_gen = tr_gen.flow_from_dataframe(train_df, x_col="filepaths", y_col="labels",
                                       target_size=img_size, class_mode="categorical",
                                       color_mode="grayscale", shuffle=True, batch_size=batch_size,
                                       seed=123)
valid_gen = ts_gen.flow_from_dataframe(valid_df, x_col="filepaths", y_col="labels",
                                       target_size=img_size, class_mode="categorical",
                                       color_mode="grayscale", shuffle=False, batch_size=batch_size)
test_gen = ts_gen.flow_from_dataframe(test_df, x_col="filepaths", y_col="labels",
                                      target_size=img_size, class_mode="categorical",
                                      color_mode="grayscale", shuffle=False, batch_size=batch_size)
print("class_indices:", train_gen.class_indices, "n:", train_gen.n, valid_gen.n, test_gen.n)
assert train_gen.class_indices == {"Covid": 0, "Normal": 1, "Pneumonia": 2}
assert (train_gen.n, valid_gen.n, test_gen.n) == (72, 18, 30)
images, labels = next(train_gen)
print("batch", images.shape, labels.shape, "max %.3f" % images.max())
assert images.shape == (16, 64, 64, 1) and labels.shape == (16, 3) and images.max() <= 1.0

model = tf.keras.Sequential([
    layers.Input(shape=img_size + (1,)),
    layers.Conv2D(16, (3, 3), activation="relu"),
    layers.MaxPooling2D((2, 2)),
    layers.Conv2D(32, (3, 3), activation="relu"),
    layers.MaxPooling2D((2, 2)),
    layers.Flatten(),
    layers.Dense(32, activation="relu"),
    layers.Dropout(0.3),
    layers.Dense(3, activation="softmax"),
])
model.compile(optimizer=tf.keras.optimizers.Adamax(learning_rate=0.001),
              loss="categorical_crossentropy", metrics=["accuracy"])
print("output_shape:", model.output_shape)
assert model.output_shape == (None, 3)

callbacks = [EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True),
             ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=1)]
history = model.fit(train_gen, epochs=2, validation_data=valid_gen, callbacks=callbacks, verbose=0)

frame = pd.DataFrame(history.history)
print(frame.round(4).to_string())
assert {"loss", "accuracy", "val_loss", "val_accuracy", "learning_rate"} <= set(frame.columns)
frame.plot(figsize=(6, 4), xlim=[0, 1], grid=True, xlabel="Epoch")
plt.savefig("learning_curves.png")
plt.close()

preds = model.predict(test_gen, verbose=0)
y_pred = np.argmax(preds, axis=1)
print("predictions", preds.shape)
assert preds.shape == (30, 3)
g_dict = test_gen.class_indices
classes = list(g_dict.keys())
print(confusion_matrix(test_gen.classes, y_pred))
print(classification_report(test_gen.classes, y_pred, target_names=classes, zero_division=0))
