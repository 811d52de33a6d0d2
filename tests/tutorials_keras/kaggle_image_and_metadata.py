# Follows: the Kaggle "image + tabular metadata" notebooks (SIIM-ISIC Melanoma Classification, e.g.
#   "Melanoma: CNN + metadata with Keras"; PyImageSearch "Keras: Multiple Inputs and Mixed Data" for the
#   pattern): a CNN on the picture and an MLP on the patient's table, concatenated before the head
#   https://www.kaggle.com/competitions/siim-isic-melanoma-classification/code
#   https://pyimagesearch.com/2019/02/04/keras-multiple-inputs-and-mixed-data/
# tf.keras spelling (`import tensorflow as tf`, `from tensorflow.keras import layers, Model`).
# Shrunk: the X-ray sample's Normal/Pneumonia images (60 train + 20 test, 48x48) with a synthetic
#   metadata table (age, sex, site) in a pandas DataFrame; 3 epochs.
# Exercises: pd.DataFrame of paths + metadata, pd.get_dummies, train_test_split on a DataFrame with
#   stratify (DataFrames come back), df[cols].values, two named Inputs, layers.Concatenate()([...]),
#   fit on a dict {"image": ..., "meta": ...}, metrics=[tf.keras.metrics.AUC(name="auc")], history keys,
#   evaluate(return_dict=True), predict(...).ravel(), model.output_shape, model.inputs names.
import os

import numpy as np
import pandas as pd
import tensorflow as tf
from PIL import Image
from sklearn.model_selection import train_test_split
from tensorflow.keras import Model, layers

tf.random.set_seed(2020)
tf.keras.utils.set_random_seed(2020)
rng = np.random.default_rng(2020)

rows = []
for split in ["train", "test"]:
    for target, name in enumerate(["Normal", "Pneumonia"]):
        folder = os.path.join("Covid19-dataset", split, name)
        for file in sorted(os.listdir(folder)):
            rows.append({"image_path": os.path.join(folder, file), "split": split, "target": target,
                         "age_approx": float(rng.integers(20, 80) + 10 * target),
                         "sex": rng.choice(["male", "female"]),
                         "site": rng.choice(["anterior", "posterior", "lateral"])})
df = pd.DataFrame(rows)
print(df.groupby(["split", "target"]).size().to_dict())

# one-hot encode the categorical metadata, scale age to [0, 1]
df = pd.get_dummies(df, columns=["sex", "site"], dtype="float32")
df["age_approx"] = df["age_approx"] / df["age_approx"].max()
meta_features = ["age_approx"] + [c for c in df.columns if c.startswith(("sex_", "site_"))]
print("meta features:", meta_features)
assert len(meta_features) == 6

train = df[df["split"] == "train"].reset_index(drop=True)
test = df[df["split"] == "test"].reset_index(drop=True)
train, valid = train_test_split(train, test_size=0.2, random_state=2020, stratify=train["target"])
print("train", type(train).__name__, train.shape, "valid", valid.shape, "test", test.shape)
assert isinstance(train, pd.DataFrame) and isinstance(valid, pd.DataFrame)
assert train["target"].sum() == 24 and valid["target"].sum() == 6


def load_images(frame, size=48):
    return np.stack([np.asarray(Image.open(p).convert("L").resize((size, size)), dtype="float32")
                     for p in frame["image_path"]])[..., None] / 255.0


x_train = {"image": load_images(train), "meta": train[meta_features].values.astype("float32")}
x_valid = {"image": load_images(valid), "meta": valid[meta_features].values.astype("float32")}
x_test = {"image": load_images(test), "meta": test[meta_features].values.astype("float32")}
print("image", x_train["image"].shape, "meta", x_train["meta"].shape)

image_input = layers.Input(shape=(48, 48, 1), name="image")
x = layers.Conv2D(16, 3, activation="relu")(image_input)
x = layers.MaxPooling2D()(x)
x = layers.Conv2D(32, 3, activation="relu")(x)
x = layers.GlobalAveragePooling2D()(x)

meta_input = layers.Input(shape=(len(meta_features),), name="meta")
m = layers.Dense(16, activation="relu")(meta_input)
m = layers.BatchNormalization()(m)
m = layers.Dropout(0.2)(m)

combined = layers.Concatenate()([x, m])
combined = layers.Dense(16, activation="relu")(combined)
output = layers.Dense(1, activation="sigmoid")(combined)
model = Model(inputs=[image_input, meta_input], outputs=output)
model.compile(optimizer="adam", loss="binary_crossentropy",
              metrics=["accuracy", tf.keras.metrics.AUC(name="auc")])
print("inputs:", [i.name for i in model.inputs], "output_shape", model.output_shape)
assert model.output_shape == (None, 1)
concat = [l for l in model.layers if isinstance(l, layers.Concatenate)][0]
assert tuple(concat.output.shape) == (None, 32 + 16)

history = model.fit(x_train, train["target"].values, validation_data=(x_valid, valid["target"].values),
                    epochs=3, batch_size=16, verbose=0)
print("history keys:", sorted(history.history))
assert sorted(history.history) == ["accuracy", "auc", "loss", "val_accuracy", "val_auc", "val_loss"]
results = model.evaluate(x_test, test["target"].values, verbose=0, return_dict=True)
print("test:", {k: round(v, 4) for k, v in results.items()})
test["prediction"] = model.predict(x_test, verbose=0).ravel()
print(test.groupby("target")["prediction"].mean().round(3).to_dict())
assert test["prediction"].between(0, 1).all() and 0.0 <= results["auc"] <= 1.0
