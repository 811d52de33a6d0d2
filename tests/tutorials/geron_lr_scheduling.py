# Follows: A. Géron, "Hands-On Machine Learning with Scikit-Learn, Keras and TensorFlow" (3rd ed.),
#   chapter 11 "Training Deep Neural Networks", section "Learning Rate Scheduling"
#   (exponential scheduling with LearningRateScheduler, performance scheduling with
#   ReduceLROnPlateau, keras.optimizers.schedules.ExponentialDecay) and chapter 10's History.params:
#   https://github.com/ageron/handson-ml3/blob/main/11_training_deep_neural_networks.ipynb
#   https://github.com/ageron/handson-ml3/blob/main/10_neural_nets_with_keras.ipynb
# tf.keras spelling (`import tensorflow as tf`).
# Exercises: tf.random.set_seed(42), fashion_mnist.load_data(), kernel_initializer="he_normal",
#   LearningRateScheduler with a schedule(epoch) and a schedule(epoch, lr) function (applied at the
#   start of each epoch; "learning_rate" logged in history.history), History.params
#   ({"verbose", "epochs", "steps"}) and History.epoch, ReduceLROnPlateau(factor=0.5, patience=1),
#   tf.keras.optimizers.schedules.ExponentialDecay(initial_learning_rate, decay_steps, decay_rate)
#   given to SGD, math.ceil for steps per epoch.
import math

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

tf.random.set_seed(42)
tf.keras.utils.set_random_seed(42)  # Keras 3: tf.random.set_seed alone leaves initial weights unseeded
fashion_mnist = tf.keras.datasets.fashion_mnist.load_data()
(X_train_full, y_train_full), (X_test, y_test) = fashion_mnist
X_train, y_train = X_train_full[:-100] / 255.0, y_train_full[:-100]
X_valid, y_valid = X_train_full[-100:] / 255.0, y_train_full[-100:]
X_test = X_test / 255.0
print("train", X_train.shape, "valid", X_valid.shape, "test", X_test.shape)


def build_model(seed=42):
    tf.random.set_seed(seed)
    return tf.keras.Sequential([
        tf.keras.Input(shape=(28, 28)),
        tf.keras.layers.Flatten(),
        tf.keras.layers.Dense(64, activation="relu", kernel_initializer="he_normal"),
        tf.keras.layers.Dense(32, activation="relu", kernel_initializer="he_normal"),
        tf.keras.layers.Dense(10, activation="softmax"),
    ])


# exponential scheduling with a callback: lr = lr0 * 0.1 ** (epoch / s)
def exponential_decay(lr0, s):
    def exponential_decay_fn(epoch):
        return lr0 * 0.1 ** (epoch / s)
    return exponential_decay_fn


exponential_decay_fn = exponential_decay(lr0=0.01, s=2)
model = build_model()
model.compile(loss="sparse_categorical_crossentropy",
              optimizer=tf.keras.optimizers.SGD(learning_rate=0.001), metrics=["accuracy"])
lr_scheduler = tf.keras.callbacks.LearningRateScheduler(exponential_decay_fn)
n_epochs = 3
history = model.fit(X_train, y_train, epochs=n_epochs, batch_size=32,
                    validation_data=(X_valid, y_valid), callbacks=[lr_scheduler], verbose=2)
print("History.params:", history.params)
assert history.params["epochs"] == n_epochs
assert history.params["steps"] == math.ceil(len(X_train) / 32)
assert set(history.params) == {"verbose", "epochs", "steps"}
print("History.epoch:", history.epoch)
assert history.epoch == [0, 1, 2]
print("learning rates:", history.history["learning_rate"])
np.testing.assert_allclose(history.history["learning_rate"],
                           [exponential_decay_fn(e) for e in range(n_epochs)], rtol=1e-6)
plt.plot(history.epoch, history.history["learning_rate"], "o-")
plt.xlabel("Epoch")
plt.ylabel("Learning Rate")
plt.title("Exponential Scheduling", fontsize=14)
plt.savefig("exponential_scheduling.png")
plt.close()


# the same with the two-argument form: the schedule gets the current learning rate
def exponential_decay_fn2(epoch, lr):
    return lr * 0.1 ** (1 / 2) if epoch > 0 else lr


model = build_model()
model.compile(loss="sparse_categorical_crossentropy",
              optimizer=tf.keras.optimizers.SGD(learning_rate=0.01), metrics=["accuracy"])
history = model.fit(X_train, y_train, epochs=2, batch_size=64, verbose=0,
                    callbacks=[tf.keras.callbacks.LearningRateScheduler(exponential_decay_fn2)])
print("two-argument schedule:", history.history["learning_rate"])
np.testing.assert_allclose(history.history["learning_rate"], [0.01, 0.01 * 0.1 ** 0.5], rtol=1e-6)
assert history.params["steps"] == math.ceil(len(X_train) / 64)

# performance scheduling
model = build_model()
model.compile(loss="sparse_categorical_crossentropy",
              optimizer=tf.keras.optimizers.SGD(learning_rate=0.02), metrics=["accuracy"])
lr_scheduler = tf.keras.callbacks.ReduceLROnPlateau(factor=0.5, patience=1)
history = model.fit(X_train, y_train, epochs=2, validation_data=(X_valid, y_valid),
                    callbacks=[lr_scheduler], verbose=0)
print("performance scheduling, val_loss:", np.round(history.history["val_loss"], 4),
      "learning_rate:", history.history["learning_rate"])
np.testing.assert_allclose(history.history["learning_rate"][0], 0.02, rtol=1e-6)

# a schedule object: the learning rate decays every step
batch_size = 32
n_epochs = 2
n_steps = n_epochs * math.ceil(len(X_train) / batch_size)
scheduled_learning_rate = tf.keras.optimizers.schedules.ExponentialDecay(
    initial_learning_rate=0.01, decay_steps=n_steps, decay_rate=0.1)
for step in (0, n_steps // 2, n_steps):
    print(f"step {step}: lr {float(scheduled_learning_rate(step)):.6f}")
np.testing.assert_allclose(float(scheduled_learning_rate(n_steps // 2)),
                           0.01 * 0.1 ** ((n_steps // 2) / n_steps), rtol=1e-6)
model = build_model()
model.compile(loss="sparse_categorical_crossentropy",
              optimizer=tf.keras.optimizers.SGD(learning_rate=scheduled_learning_rate),
              metrics=["accuracy"])
history = model.fit(X_train, y_train, epochs=n_epochs, batch_size=batch_size,
                    validation_data=(X_valid, y_valid), verbose=2)
test_loss, test_accuracy = model.evaluate(X_test, y_test, verbose=0)
print(f"ExponentialDecay run: test accuracy {test_accuracy:.3f}")
assert "learning_rate" not in history.history  # no callback logs it here
