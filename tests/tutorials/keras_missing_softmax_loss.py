# Follows: the Keras API page "Probabilistic losses" (CategoricalCrossentropy, from_logits) and the
#   keras.io guide "Training & evaluation with the built-in methods" (compile/evaluate),
#   https://keras.io/api/losses/probabilistic_losses/#categoricalcrossentropy-class
#   https://keras.io/guides/training_with_built_in_methods/
#   on the classic student slip: the last Dense has no softmax but the loss is
#   "categorical_crossentropy" with the default from_logits=False.
# Keras 3 spelling (`import keras`, `from keras import layers`).
# Exercises: Keras's meaning of categorical_crossentropy on outputs that are not probabilities
#   (each row divided by its sum, clipped to [1e-7, 1 - 1e-7], then -sum(y * log p)); the same
#   with from_logits=True; compile() without metrics so that evaluate returns a float
#   (f"{loss:.3f}"); per-layer set_weights with fixed weights so that the numbers are exact.
import numpy as np
import keras
from keras import layers

rng = np.random.RandomState(0)
x = rng.normal(size=(12, 4)).astype("float32")
labels = np.arange(12) % 3
y = keras.utils.to_categorical(labels, 3)

model = keras.Sequential([
    keras.Input(shape=(4,)),
    layers.Dense(6, activation="relu"),
    layers.Dense(3),  # no softmax: these are scores, not probabilities
])
model.layers[0].set_weights([rng.normal(size=(4, 6)).astype("float32"),
                             rng.normal(scale=0.1, size=6).astype("float32")])
model.layers[1].set_weights([rng.normal(size=(6, 3)).astype("float32"),
                             np.array([0.5, 0.2, 0.1], dtype="float32")])
scores = model.predict(x, verbose=0)
print("first rows of the raw outputs:\n", np.round(scores[:3], 3))
assert (scores < 0).any()  # some outputs are negative: surely not probabilities

model.compile(optimizer="adam", loss="categorical_crossentropy")
loss = model.evaluate(x, y, verbose=0)
print(f"categorical_crossentropy (from_logits=False) on raw outputs: {loss:.3f}")
assert isinstance(loss, float)

# what Keras computes: normalise each row by its sum, clip, take -log of the true class
p = scores.astype("float64") / scores.astype("float64").sum(axis=1, keepdims=True)
p = np.clip(p, 1e-7, 1 - 1e-7)
expected = float(np.mean(-np.sum(y * np.log(p), axis=1)))
print(f"row-normalised and clipped by hand: {expected:.3f}")
np.testing.assert_allclose(loss, expected, rtol=1e-4)
direct = float(keras.losses.CategoricalCrossentropy()(y, scores))
np.testing.assert_allclose(direct, expected, rtol=1e-4)

# the same outputs taken as logits (what the model meant)
model.compile(optimizer="adam", loss=keras.losses.CategoricalCrossentropy(from_logits=True))
logits_loss = model.evaluate(x, y, verbose=0)
shifted = scores - scores.max(axis=1, keepdims=True)
log_softmax = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
print(f"categorical_crossentropy (from_logits=True): {logits_loss:.3f}"
      f"  by hand: {float(np.mean(-np.sum(y * log_softmax, axis=1))):.3f}")
np.testing.assert_allclose(logits_loss, np.mean(-np.sum(y * log_softmax, axis=1)), rtol=1e-4)
assert abs(loss - logits_loss) > 0.5

# with the softmax in the model, both readings agree
fixed = keras.Sequential([model, layers.Softmax()])
fixed.compile(optimizer="adam", loss="categorical_crossentropy")
softmax_loss = fixed.evaluate(x, y, verbose=0)
print(f"with a Softmax layer and from_logits=False: {softmax_loss:.3f}")
np.testing.assert_allclose(softmax_loss, logits_loss, rtol=1e-4)
