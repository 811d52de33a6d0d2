# Follows: A. Géron, "Hands-On Machine Learning with Scikit-Learn, Keras and TensorFlow" (3rd ed.),
#   chapter 11 "Training Deep Neural Networks", section "Reusing Pretrained Layers" / "Transfer
#   Learning with Keras" (model A on 8 Fashion-MNIST classes, model B: sandals vs shirts):
#   https://github.com/ageron/handson-ml3/blob/main/11_training_deep_neural_networks.ipynb
# tf.keras spelling (`import tensorflow as tf`).
# Exercises: per-layer get_weights() / set_weights() to copy model A's hidden layers into a new
#   network (instead of sharing the layer objects), get_weights() of a layer without weights ([]),
#   model.get_layer(name) on a layer and on a nested model, a Sequential used as a layer inside
#   another Sequential, its output checked against keras.Model(inputs=..., outputs=layer.output),
#   model-level get_weights()/set_weights(), binary_crossentropy with a sigmoid head.
import numpy as np
import tensorflow as tf

tf.random.set_seed(42)
tf.keras.utils.set_random_seed(42)  # Keras 3: tf.random.set_seed alone leaves initial weights unseeded
(X_train, y_train), (X_test, y_test) = tf.keras.datasets.fashion_mnist.load_data()
X_train, X_test = X_train / 255.0, X_test / 255.0
# task A: the 8 classes other than sandals (5) and shirts (6); task B: shirt (1) vs sandal (0)
is_A = (y_train != 5) & (y_train != 6)
X_A, y_A = X_train[is_A], y_train[is_A]
y_A = np.where(y_A > 6, y_A - 2, y_A)
X_B, y_B = X_train[~is_A], (y_train[~is_A] == 6).astype("float32")
print("task A:", X_A.shape, "task B:", X_B.shape)


def hidden_layers():
    return [tf.keras.layers.Flatten(name="flatten"),
            tf.keras.layers.Dense(32, activation="relu", kernel_initializer="he_normal",
                                  name="hidden1"),
            tf.keras.layers.Dense(16, activation="relu", kernel_initializer="he_normal",
                                  name="hidden2")]


model_A = tf.keras.Sequential([tf.keras.Input(shape=(28, 28))] + hidden_layers() +
                              [tf.keras.layers.Dense(8, activation="softmax", name="output_A")])
model_A.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
model_A.fit(X_A, y_A, epochs=2, verbose=2)

# a new network for task B: the same hidden layers as a base model, weights copied layer by layer
base = tf.keras.Sequential([tf.keras.Input(shape=(28, 28))] + hidden_layers(), name="base")
for layer in base.layers:
    weights = model_A.get_layer(layer.name).get_weights()
    print(f"{layer.name}: {[w.shape for w in weights]}")
    layer.set_weights(weights)
assert base.get_layer("flatten").get_weights() == []
np.testing.assert_array_equal(base.get_layer("hidden2").get_weights()[1],
                              model_A.get_layer("hidden2").get_weights()[1])

model_B_on_A = tf.keras.Sequential([base, tf.keras.layers.Dense(1, activation="sigmoid",
                                                                name="output_B")])
print("model_B_on_A layers:", [layer.name for layer in model_B_on_A.layers])
assert [layer.name for layer in model_B_on_A.layers] == ["base", "output_B"]
assert model_B_on_A.get_layer("base") is base

# the nested base computes model A's hidden2 features
features_A = tf.keras.Model(inputs=model_A.inputs, outputs=model_A.get_layer("hidden2").output)
np.testing.assert_allclose(base.predict(X_B[:10], verbose=0), features_A.predict(X_B[:10], verbose=0),
                           rtol=1e-5, atol=1e-6)

model_B_on_A.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
before = [w.copy() for w in model_B_on_A.get_weights()]
print("model_B_on_A weight shapes:", [w.shape for w in before])
assert len(before) == 6  # hidden1 (2), hidden2 (2), output_B (2)
history = model_B_on_A.fit(X_B, y_B, epochs=2, verbose=2)
is_B_test = (y_test == 5) | (y_test == 6)
loss, accuracy = model_B_on_A.evaluate(X_test[is_B_test], (y_test[is_B_test] == 6).astype("float32"),
                                       verbose=0)
print(f"model B on A: test loss {loss:.3f}, accuracy {accuracy:.3f}")

# restore the weights from before training: the whole-model set_weights
model_B_on_A.set_weights(before)
for now, then in zip(model_B_on_A.get_weights(), before):
    np.testing.assert_array_equal(now, then)
