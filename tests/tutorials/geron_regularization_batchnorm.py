# Follows: A. Géron, "Hands-On Machine Learning with Scikit-Learn, Keras and TensorFlow" (3rd ed.),
#   chapter 11 "Training Deep Neural Networks" (batch normalization; l2 regularization with
#   functools.partial) and chapter 14 "Deep Computer Vision Using CNNs" (a DefaultConv2D partial,
#   depthwise separable convolutions):
#   https://github.com/ageron/handson-ml3/blob/main/11_training_deep_neural_networks.ipynb
#   https://github.com/ageron/handson-ml3/blob/main/14_deep_computer_vision_with_cnns.ipynb
# tf.keras spelling (`import tensorflow as tf`).
# Exercises: tf.keras.regularizers.l2(0.01) as kernel_regularizer (the penalty is part of the
#   loss that evaluate returns and fit logs), kernel_initializer="he_normal", functools.partial
#   layer factories, BatchNormalization (its 4 weights gamma, beta, moving_mean, moving_variance via
#   get_weights(); the moving statistics change during fit), SeparableConv2D (depthwise kernel
#   (3, 3, C, 1), pointwise kernel (1, 1, C, F), bias), model.get_layer(name),
#   compile() WITHOUT metrics: history has only "loss"/"val_loss" and evaluate returns a float
#   (formatted with f"{loss:.3f}").
from functools import partial

import numpy as np
import tensorflow as tf

tf.random.set_seed(42)
tf.keras.utils.set_random_seed(42)  # Keras 3: tf.random.set_seed alone leaves initial weights unseeded
(X_train, y_train), (X_test, y_test) = tf.keras.datasets.fashion_mnist.load_data()
X_train = X_train[:400, :, :, np.newaxis] / 255.0
y_train = y_train[:400]
X_test = X_test[:, :, :, np.newaxis] / 255.0

# chapter 11: l2-regularized dense layers
RegularizedDense = partial(tf.keras.layers.Dense, activation="relu", kernel_initializer="he_normal",
                           kernel_regularizer=tf.keras.regularizers.l2(0.01))
model = tf.keras.Sequential([
    tf.keras.Input(shape=(28, 28, 1)),
    tf.keras.layers.Flatten(),
    RegularizedDense(32),
    RegularizedDense(10, activation="softmax"),
])
model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd")
history = model.fit(X_train, y_train, epochs=2, validation_data=(X_test, y_test), verbose=2)
print("history keys:", sorted(history.history))
assert sorted(history.history) == ["loss", "val_loss"]

loss = model.evaluate(X_test, y_test, verbose=0)
print(f"test loss with the l2 penalty: {loss:.3f}")
assert isinstance(loss, float)

# the evaluate loss is the mean cross-entropy plus 0.01 * sum(w**2) over both kernels
probabilities = model.predict(X_test, verbose=0).astype("float64")
cross_entropy = -np.mean(np.log(np.clip(probabilities[np.arange(len(y_test)), y_test], 1e-7, 1)))
penalty = sum(0.01 * np.sum(model.layers[i].get_weights()[0].astype("float64") ** 2)
              for i in (1, 2))
print(f"cross-entropy {cross_entropy:.4f} + penalty {penalty:.4f} = {cross_entropy + penalty:.4f}")
np.testing.assert_allclose(loss, cross_entropy + penalty, rtol=1e-4)

# chapter 11 batch norm + chapter 14 convolutions
DefaultConv2D = partial(tf.keras.layers.Conv2D, kernel_size=3, padding="same", activation="relu",
                        kernel_initializer="he_normal")
model = tf.keras.Sequential([
    tf.keras.Input(shape=(28, 28, 1)),
    DefaultConv2D(filters=8),
    tf.keras.layers.BatchNormalization(name="bn"),
    tf.keras.layers.MaxPool2D(),
    tf.keras.layers.SeparableConv2D(16, 3, padding="same", activation="relu", name="sep_conv"),
    tf.keras.layers.MaxPool2D(),
    tf.keras.layers.Flatten(),
    tf.keras.layers.Dense(32, activation="relu", kernel_initializer="he_normal"),
    tf.keras.layers.Dropout(0.5),
    tf.keras.layers.Dense(10, activation="softmax"),
])
model.summary()
bn = model.get_layer("bn")
gamma, beta, moving_mean, moving_variance = bn.get_weights()
print("BatchNormalization weights:", [w.shape for w in bn.get_weights()])
assert gamma.shape == beta.shape == moving_mean.shape == moving_variance.shape == (8,)
np.testing.assert_array_equal(moving_mean, 0.0)
np.testing.assert_array_equal(moving_variance, 1.0)
depthwise, pointwise, bias = model.get_layer("sep_conv").get_weights()
print("SeparableConv2D weights:", depthwise.shape, pointwise.shape, bias.shape)
assert depthwise.shape == (3, 3, 8, 1) and pointwise.shape == (1, 1, 8, 16) and bias.shape == (16,)

model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd", metrics=["accuracy"])
model.fit(X_train, y_train, epochs=1, batch_size=32, verbose=2)
new_mean, new_variance = model.get_layer("bn").get_weights()[2:]
print("moving_mean after training:", np.round(new_mean, 4))
assert not np.allclose(new_mean, 0.0) and not np.allclose(new_variance, 1.0)
test_loss, test_accuracy = model.evaluate(X_test, y_test, verbose=0)
print(f"convnet: test loss {test_loss:.3f}, test accuracy {test_accuracy:.3f}")
