# Follows: Géron, Hands-On Machine Learning (3rd ed.), ch. 11 "Faster Optimizers" (build_model(seed=42),
#   build_and_train_model(optimizer), the comparison of learning curves)
#   https://github.com/ageron/handson-ml3/blob/main/11_training_deep_neural_networks.ipynb
# tf.keras spelling (`import tensorflow as tf`).
# Shrunk: the 600-image Fashion-MNIST slice (ch. 10's data), hidden layers 100 -> 32, 2 epochs per
#   optimizer; plus the first step of Adam checked by hand.
# Exercises: SGD(momentum=0.9), SGD(momentum=0.9, nesterov=True), Adagrad, RMSprop(rho=0.9),
#   Adam(beta_1=0.9, beta_2=0.999), Adamax, Nadam, AdamW(weight_decay=1e-5), the string "nadam",
#   Adam(amsgrad=True), history per optimizer, matplotlib curves, optimizer.apply_gradients on a variable.
# Exact check: Adam's first step moves each weight by learning_rate * g / (|g| + epsilon / sqrt(1 - beta_2))
#   (Keras's placement of epsilon), i.e. about learning_rate in the direction opposite to the gradient; AMSGrad's first step
#   is the same.
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

fashion_mnist = tf.keras.datasets.fashion_mnist.load_data()
(X_train_full, y_train_full), (X_test, y_test) = fashion_mnist
X_train, y_train = X_train_full[:-100] / 255.0, y_train_full[:-100]
X_valid, y_valid = X_train_full[-100:] / 255.0, y_train_full[-100:]


def build_model(seed=42):
    tf.random.set_seed(seed)
    tf.keras.utils.set_random_seed(seed)
    return tf.keras.Sequential([
        tf.keras.layers.Flatten(input_shape=[28, 28]),
        tf.keras.layers.Dense(32, activation="relu", kernel_initializer="he_normal"),
        tf.keras.layers.Dense(32, activation="relu", kernel_initializer="he_normal"),
        tf.keras.layers.Dense(10, activation="softmax")
    ])


def build_and_train_model(optimizer):
    model = build_model()
    model.compile(loss="sparse_categorical_crossentropy", optimizer=optimizer,
                  metrics=["accuracy"])
    return model.fit(X_train, y_train, epochs=2,
                     validation_data=(X_valid, y_valid), verbose=0)


optimizers = {
    "SGD": tf.keras.optimizers.SGD(learning_rate=0.001),
    "Momentum": tf.keras.optimizers.SGD(learning_rate=0.001, momentum=0.9),
    "Nesterov": tf.keras.optimizers.SGD(learning_rate=0.001, momentum=0.9, nesterov=True),
    "AdaGrad": tf.keras.optimizers.Adagrad(learning_rate=0.001),
    "RMSProp": tf.keras.optimizers.RMSprop(learning_rate=0.001, rho=0.9),
    "Adam": tf.keras.optimizers.Adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999),
    "Adamax": tf.keras.optimizers.Adamax(learning_rate=0.001, beta_1=0.9, beta_2=0.999),
    "Nadam": tf.keras.optimizers.Nadam(learning_rate=0.001, beta_1=0.9, beta_2=0.999),
    "AdamW": tf.keras.optimizers.AdamW(weight_decay=1e-5, learning_rate=0.001,
                                       beta_1=0.9, beta_2=0.999),
    "nadam (string)": "nadam",
    "AMSGrad": tf.keras.optimizers.Adam(learning_rate=0.001, amsgrad=True),
}
histories = {}
for name, optimizer in optimizers.items():
    histories[name] = build_and_train_model(optimizer)
    losses = histories[name].history["loss"]
    print(f"{name:15s} loss {losses[0]:.4f} -> {losses[1]:.4f}, "
          f"val_accuracy {histories[name].history['val_accuracy'][-1]:.2f}")
    assert losses[1] < losses[0], name

for loss in ("loss", "val_loss"):
    plt.figure(figsize=(8, 4))
    for name, history in histories.items():
        plt.plot(history.history[loss], label=name)
    plt.legend()
    plt.savefig(f"optimizers_{loss}.png")
    plt.close()

# "nadam" builds a Nadam with Keras's defaults
model = build_model()
model.compile(loss="sparse_categorical_crossentropy", optimizer="nadam")
print("'nadam' ->", type(model.optimizer).__name__, float(model.optimizer.learning_rate))
assert type(model.optimizer).__name__ == "Nadam"
assert np.isclose(float(model.optimizer.learning_rate), 0.001)
print("amsgrad flag:", optimizers["AMSGrad"].amsgrad)
assert optimizers["AMSGrad"].amsgrad is True

# The first Adam step, by hand. Keras folds the bias corrections into the learning rate,
# lr_t = lr * sqrt(1 - beta_2) / (1 - beta_1), and adds epsilon to sqrt(v) = sqrt(1 - beta_2) |g|,
# so w -= lr * g / (|g| + epsilon / sqrt(1 - beta_2))
for amsgrad in (False, True):
    w = tf.Variable([1.0, -2.0, 0.5])
    g = tf.constant([0.3, -0.01, 2.0])
    adam = tf.keras.optimizers.Adam(learning_rate=0.1, amsgrad=amsgrad)
    adam.apply_gradients([(g, w)])
    expected = np.array([1.0, -2.0, 0.5]) - 0.1 * g.numpy() / (np.abs(g.numpy()) + 1e-7 / np.sqrt(1 - 0.999))
    print("first step (amsgrad=%s):" % amsgrad, np.round(w.numpy(), 6))
    assert np.allclose(w.numpy(), expected, atol=1e-5)
