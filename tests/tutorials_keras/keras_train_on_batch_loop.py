# Follows: keras.io API "Model training APIs" (train_on_batch, test_on_batch, predict_on_batch,
#   reset_metrics, metrics_names) as the batch-by-batch loops of Kaggle notebooks and of older GAN
#   tutorials use them (a Python generator of augmented batches, metrics reset each epoch, a log dict
#   zipped with metrics_names)
#   https://keras.io/api/models/model_training_apis/
#   https://keras.io/api/metrics/accuracy_metrics/#sparsetopkcategoricalaccuracy-class
# Keras 3 spelling (`import keras`, `from keras import layers`).
# Shrunk: the 600/100-image Fashion-MNIST slice, batches of 50, 3 epochs.
# Exercises: compile(metrics=["accuracy", keras.metrics.SparseTopKCategoricalAccuracy(k=3, name="top3")]),
#   model.train_on_batch(x, y) -> list, train_on_batch(..., return_dict=True) -> dict,
#   model.test_on_batch, model.predict_on_batch, model.reset_metrics(), model.metrics_names,
#   dict(zip(model.metrics_names, logs)), SparseTopKCategoricalAccuracy called directly (update_state /
#   result / reset_state), model.output_shape.
# Exact checks: top-3 accuracy on hand-made scores; top-k accuracy >= accuracy; predict_on_batch equals
#   predict.
import numpy as np
import keras
from keras import layers

keras.utils.set_random_seed(4)

# the metric by itself, on hand-made scores
m = keras.metrics.SparseTopKCategoricalAccuracy(k=1)
m.update_state([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
print("top-1 of the API example:", float(m.result()))
assert float(m.result()) == 0.5
m.reset_state()
top3 = keras.metrics.SparseTopKCategoricalAccuracy(k=3)
top3.update_state([3, 0, 4], [[0.1, 0.2, 0.3, 0.25, 0.15], [0.05, 0.5, 0.2, 0.15, 0.1],
                              [0.3, 0.2, 0.1, 0.25, 0.15]])
print("top-3 on three rows:", round(float(top3.result()), 4))
assert np.isclose(float(top3.result()), 1 / 3)

(x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
x_train = x_train[..., None].astype("float32") / 255.0
x_test = x_test[..., None].astype("float32") / 255.0

model = keras.Sequential([
    keras.Input(shape=(28, 28, 1)),
    layers.Conv2D(8, 3, activation="relu"),
    layers.MaxPooling2D(),
    layers.Flatten(),
    layers.Dense(10, activation="softmax"),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
              metrics=["accuracy", keras.metrics.SparseTopKCategoricalAccuracy(k=3, name="top3")])
print("output_shape", model.output_shape)
assert model.output_shape == (None, 10)


def batches(x, y, batch_size=50):
    """A generator of shuffled, flipped batches, as notebooks write them."""
    order = np.random.permutation(len(x))
    for start in range(0, len(x), batch_size):
        index = order[start:start + batch_size]
        images = x[index].copy()
        flip = np.random.rand(len(index)) < 0.5
        images[flip] = images[flip, :, ::-1]
        yield images, y[index]


first = model.train_on_batch(x_train[:50], y_train[:50])
print("train_on_batch returns", type(first).__name__, len(first), "metrics_names", model.metrics_names)
assert isinstance(first, list) and len(first) == 3
# Keras 3 names the compiled metrics as one group (Keras 2 listed "accuracy" and "top3")
assert model.metrics_names == ["loss", "compile_metrics"]

epoch_logs = []
for epoch in range(3):
    model.reset_metrics()
    for images, labels in batches(x_train, y_train):
        logs = model.train_on_batch(images, labels, return_dict=True)
    epoch_logs.append(logs)
    print(f"epoch {epoch}: " + ", ".join(f"{k}={v:.4f}" for k, v in logs.items()))
    assert logs["top3"] >= logs["accuracy"]
assert epoch_logs[-1]["loss"] < epoch_logs[0]["loss"]
assert sorted(epoch_logs[0]) == ["accuracy", "loss", "top3"]

model.reset_metrics()
test_logs = model.test_on_batch(x_test, y_test)
print("test:", np.round(test_logs, 4), dict(zip(model.metrics_names, np.round(test_logs, 4))))
assert len(test_logs) == 3 and test_logs[2] >= test_logs[1]

probabilities = model.predict_on_batch(x_test[:16])
print("predict_on_batch", type(probabilities).__name__, probabilities.shape)
assert isinstance(probabilities, np.ndarray) and probabilities.shape == (16, 10)
assert np.allclose(probabilities, model.predict(x_test[:16], verbose=0), atol=1e-6)

# evaluate() reports the same metrics, under the same names
results = model.evaluate(x_test, y_test, verbose=0, return_dict=True)
print("evaluate:", {k: round(v, 4) for k, v in results.items()})
assert sorted(results) == ["accuracy", "loss", "top3"]
assert np.isclose(results["accuracy"], test_logs[1], atol=1e-6)
