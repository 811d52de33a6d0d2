# Follows: keras.io example "Pneumonia Classification on TPU" (A. Jang), also published as the
#   Kaggle notebook "TensorFlow Pneumonia Classification on X-rays"
#   https://keras.io/examples/vision/xray_classification_with_tpus/
#   https://www.kaggle.com/code/amyjang/tensorflow-pneumonia-classification-on-x-rays
# (imbalanced binary X-ray classification; here Covid vs Normal of the bundled sample, with
# Normal under-sampled so that the classes are imbalanced).
# Keras 3 spelling (`import keras`, `from keras import layers`).
# Exercises: sklearn.utils.class_weight.compute_class_weight("balanced", classes=..., y=...),
#   fit(class_weight={0: w0, 1: w1}), conv blocks of SeparableConv2D + BatchNormalization +
#   MaxPooling2D, dense blocks with Dropout, keras.optimizers.schedules.ExponentialDecay(...,
#   staircase=True) as Adam's learning_rate, metrics BinaryAccuracy/Precision/Recall with names,
#   ModelCheckpoint("xray_model.keras", save_best_only=True), EarlyStopping(restore_best_weights=True),
#   keras.models.load_model on the checkpoint.
import os

import numpy as np
from PIL import Image
import keras
from keras import layers
from sklearn.utils.class_weight import compute_class_weight

keras.utils.set_random_seed(42)
IMAGE_SIZE = [48, 48]
CLASSES = ["NORMAL", "COVID"]  # 0 = normal, 1 = disease, as in the example


def load_folder(folder, limit=None):
    names = sorted(os.listdir(folder))[:limit]
    return [np.asarray(Image.open(os.path.join(folder, n)).convert("RGB").resize(IMAGE_SIZE))
            for n in names]


normal = load_folder("Covid19-dataset/train/Normal", limit=12)
covid = load_folder("Covid19-dataset/train/Covid")
x = np.stack(normal + covid).astype("float32") / 255.0
y = np.array([0] * len(normal) + [1] * len(covid))
order = np.random.RandomState(0).permutation(len(y))
x, y = x[order], y[order]
x_val = np.stack(load_folder("Covid19-dataset/test/Normal") +
                 load_folder("Covid19-dataset/test/Covid")).astype("float32") / 255.0
y_val = np.array([0] * 10 + [1] * 10)

COUNT_NORMAL = int((y == 0).sum())
COUNT_COVID = int((y == 1).sum())
TRAIN_IMG_COUNT = len(y)
print("Normal images count in training set:", COUNT_NORMAL)
print("Covid images count in training set:", COUNT_COVID)

weights = compute_class_weight("balanced", classes=np.unique(y), y=y)
print("compute_class_weight:", weights)
assert isinstance(weights, np.ndarray) and weights.shape == (2,)
# the example's own formula gives the same numbers
weight_for_0 = (1 / COUNT_NORMAL) * TRAIN_IMG_COUNT / 2.0
weight_for_1 = (1 / COUNT_COVID) * TRAIN_IMG_COUNT / 2.0
np.testing.assert_allclose(weights, [weight_for_0, weight_for_1])
class_weight = {0: weights[0], 1: weights[1]}
print("Weight for class 0: {:.2f}".format(class_weight[0]))
print("Weight for class 1: {:.2f}".format(class_weight[1]))


def conv_block(filters, inputs):
    x = layers.SeparableConv2D(filters, 3, activation="relu", padding="same")(inputs)
    x = layers.SeparableConv2D(filters, 3, activation="relu", padding="same")(x)
    x = layers.BatchNormalization()(x)
    outputs = layers.MaxPooling2D()(x)
    return outputs


def dense_block(units, dropout_rate, inputs):
    x = layers.Dense(units, activation="relu")(inputs)
    x = layers.BatchNormalization()(x)
    outputs = layers.Dropout(dropout_rate)(x)
    return outputs


def build_model():
    inputs = keras.Input(shape=(IMAGE_SIZE[0], IMAGE_SIZE[1], 3))
    x = layers.Conv2D(8, 3, activation="relu", padding="same")(inputs)
    x = layers.MaxPooling2D()(x)
    x = conv_block(16, x)
    x = conv_block(32, x)
    x = layers.Flatten()(x)
    x = dense_block(32, 0.5, x)
    outputs = layers.Dense(1, activation="sigmoid")(x)
    return keras.Model(inputs=inputs, outputs=outputs)


initial_learning_rate = 0.015
lr_schedule = keras.optimizers.schedules.ExponentialDecay(
    initial_learning_rate, decay_steps=2, decay_rate=0.96, staircase=True)
for step in (0, 1, 2, 3, 5):
    value = float(lr_schedule(step))
    print(f"learning rate at step {step}: {value:.6f}")
    np.testing.assert_allclose(value, 0.015 * 0.96 ** (step // 2), rtol=1e-6)

checkpoint_cb = keras.callbacks.ModelCheckpoint("xray_model.keras", save_best_only=True)
early_stopping_cb = keras.callbacks.EarlyStopping(patience=10, restore_best_weights=True)

model = build_model()
METRICS = [keras.metrics.BinaryAccuracy(), keras.metrics.Precision(name="precision"),
           keras.metrics.Recall(name="recall")]
model.compile(optimizer=keras.optimizers.Adam(learning_rate=lr_schedule),
              loss="binary_crossentropy", metrics=METRICS)
history = model.fit(x, y, batch_size=8, epochs=2, validation_data=(x_val, y_val),
                    class_weight=class_weight, callbacks=[checkpoint_cb, early_stopping_cb],
                    verbose=2)
print("history keys:", sorted(history.history))
assert sorted(history.history) == ["binary_accuracy", "loss", "precision", "recall",
                                   "val_binary_accuracy", "val_loss", "val_precision", "val_recall"]
assert os.path.exists("xray_model.keras")

best = keras.models.load_model("xray_model.keras")
results = best.evaluate(x_val, y_val, verbose=0)
print("checkpoint evaluate [loss, binary_accuracy, precision, recall]:", np.round(results, 4))
assert len(results) == 4
np.testing.assert_allclose(results[0], min(history.history["val_loss"]), rtol=1e-4)
