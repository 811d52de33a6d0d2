# Follows: scikit-learn User Guide, "Cross-validation: evaluating estimator performance",
#   section "Stratified k-fold", applied to a Keras CNN as Kaggle X-ray notebooks do
#   https://scikit-learn.org/stable/modules/cross_validation.html#stratified-k-fold
#   and the Keras image-loading utilities https://keras.io/api/data_loading/image/
# tf.keras spelling (`from tensorflow.keras.preprocessing.image import load_img, img_to_array`).
# Exercises: tf.keras.preprocessing.image.load_img(color_mode="grayscale", target_size=...) +
#   img_to_array (float32, (h, w, 1)), StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
#   .split(X, y), a fresh model per fold, "sparse_categorical_crossentropy",
#   accuracy_score per fold, classification_report(..., output_dict=True, zero_division=1).
import os

import numpy as np
import tensorflow as tf
from sklearn.metrics import accuracy_score, classification_report
from sklearn.model_selection import StratifiedKFold
from tensorflow.keras.preprocessing.image import img_to_array, load_img

tf.random.set_seed(0)
tf.keras.utils.set_random_seed(0)  # Keras 3: tf.random.set_seed alone leaves initial weights unseeded
root = "Covid19-dataset/train"
class_names = sorted(os.listdir(root))
images, labels = [], []
for index, name in enumerate(class_names):
    for file in sorted(os.listdir(os.path.join(root, name))):
        img = load_img(os.path.join(root, name, file), color_mode="grayscale", target_size=(40, 40))
        array = img_to_array(img)
        images.append(array)
        labels.append(index)
X = np.stack(images) / 255.0
y = np.array(labels)
print("X:", X.shape, X.dtype, "first pixel values:", images[0][0, :4, 0])
assert images[0].shape == (40, 40, 1) and images[0].dtype == np.float32
assert X.shape == (90, 40, 40, 1)


def build_model():
    model = tf.keras.Sequential([
        tf.keras.Input(shape=(40, 40, 1)),
        tf.keras.layers.Conv2D(8, 3, activation="relu"),
        tf.keras.layers.MaxPooling2D(2),
        tf.keras.layers.Flatten(),
        tf.keras.layers.Dense(3, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


skf = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
fold_scores = []
all_true, all_pred = [], []
for fold, (train_idx, test_idx) in enumerate(skf.split(X, y)):
    counts = np.bincount(y[test_idx], minlength=3)
    print(f"fold {fold}: train {len(train_idx)}, test {len(test_idx)}, test class counts {counts.tolist()}")
    assert counts.tolist() == [10, 10, 10]  # stratified: every class in every fold
    model = build_model()
    model.fit(X[train_idx], y[train_idx], epochs=2, batch_size=16, verbose=0)
    pred = np.argmax(model.predict(X[test_idx], verbose=0), axis=1)
    score = accuracy_score(y[test_idx], pred)
    print(f"fold {fold}: accuracy_score {score:.3f}")
    fold_scores.append(score)
    all_true.extend(y[test_idx].tolist())
    all_pred.extend(pred.tolist())

print("mean accuracy over folds: %.3f" % np.mean(fold_scores))
assert sorted(all_true) == sorted(y.tolist())  # every image was tested exactly once
report = classification_report(all_true, all_pred, target_names=class_names, output_dict=True,
                               zero_division=1)
print({k: round(v["f1-score"], 3) for k, v in report.items() if isinstance(v, dict)})
assert set(report) >= set(class_names) | {"macro avg", "weighted avg"}
np.testing.assert_allclose(report["accuracy"], accuracy_score(all_true, all_pred))
