# Follows: Géron, Hands-On Machine Learning (3rd ed.), ch. 12 "Custom Models and Training with
#   TensorFlow": "Computing Gradients Using Autodiff" and "Custom Training Loops"
#   https://github.com/ageron/handson-ml3/blob/main/12_custom_models_and_training_with_tensorflow.ipynb
# tf.keras spelling (`import tensorflow as tf`).
# Shrunk: the chapter's California-housing regressor is replaced by a Fashion-MNIST classifier (ch. 10's
#   data; the 600-image slice in KERAS_HOME), 3 epochs of the hand-written loop.
# Exercises: tf.Variable, tape.gradient(z, [w1, w2]), a second gradient() call on a non-persistent tape
#   raising RuntimeError, persistent=True and del tape, gradients of tf.constant inputs being None unless
#   tape.watch, tf.stop_gradient, random_batch with np.random.randint, keras.metrics.Mean and
#   SparseCategoricalAccuracy, tf.add_n([main_loss] + model.losses) with l2 kernel_regularizer,
#   optimizer.apply_gradients(zip(...)), variable.constraint applied by hand after each step
#   (kernel_constraint=max_norm), a status bar printed with metric.result().
# Exact checks: d(3*w1**2 + 2*w1*w2)/d(w1, w2) at (5, 3) is (36, 10); with stop_gradient (30, None);
#   max_norm keeps every kernel column's norm <= 1.
import numpy as np
import tensorflow as tf

tf.random.set_seed(42)
tf.keras.utils.set_random_seed(42)


def f(w1, w2):
    return 3 * w1 ** 2 + 2 * w1 * w2


w1, w2 = tf.Variable(5.), tf.Variable(3.)
with tf.GradientTape() as tape:
    z = f(w1, w2)

gradients = tape.gradient(z, [w1, w2])
print("gradients", [float(g) for g in gradients])
assert [float(g) for g in gradients] == [36.0, 10.0]

try:
    tape.gradient(z, w1)  # the tape is erased after the first gradient() call
    raise AssertionError("a non-persistent tape must refuse a second gradient() call")
except RuntimeError as error:
    print("second call:", type(error).__name__)

with tf.GradientTape(persistent=True) as tape:
    z = f(w1, w2)

dz_dw1 = tape.gradient(z, w1)  # returns tensor 36.0
dz_dw2 = tape.gradient(z, w2)  # returns tensor 10.0, works fine now!
del tape
assert (float(dz_dw1), float(dz_dw2)) == (36.0, 10.0)

c1, c2 = tf.constant(5.), tf.constant(3.)
with tf.GradientTape() as tape:
    z = f(c1, c2)

gradients = tape.gradient(z, [c1, c2])
print("gradients of constants:", gradients)
assert gradients == [None, None]

with tf.GradientTape() as tape:
    tape.watch(c1)
    tape.watch(c2)
    z = f(c1, c2)

gradients = tape.gradient(z, [c1, c2])  # returns [tensor 36., tensor 10.]
assert [float(g) for g in gradients] == [36.0, 10.0]


def f(w1, w2):
    return 3 * w1 ** 2 + tf.stop_gradient(2 * w1 * w2)


with tf.GradientTape() as tape:
    z = f(w1, w2)  # the forward pass is not affected by stop_gradient()

gradients = tape.gradient(z, [w1, w2])  # returns [tensor 30., None]
print("with stop_gradient:", float(gradients[0]), gradients[1])
assert float(gradients[0]) == 30.0 and gradients[1] is None

# Custom training loop
fashion_mnist = tf.keras.datasets.fashion_mnist.load_data()
(X_train_full, y_train_full), (X_test, y_test) = fashion_mnist
X_train, y_train = X_train_full[:-100] / 255.0, y_train_full[:-100]
X_valid, y_valid = X_train_full[-100:] / 255.0, y_train_full[-100:]

l2_reg = tf.keras.regularizers.l2(0.0005)
model = tf.keras.models.Sequential([
    tf.keras.layers.Input(shape=[28, 28]),
    tf.keras.layers.Flatten(),
    tf.keras.layers.Dense(30, activation="relu", kernel_initializer="he_normal",
                          kernel_regularizer=l2_reg,
                          kernel_constraint=tf.keras.constraints.max_norm(1.)),
    tf.keras.layers.Dense(10, activation="softmax", kernel_regularizer=l2_reg)
])


def random_batch(X, y, batch_size=32):
    idx = np.random.randint(len(X), size=batch_size)
    return X[idx], y[idx]


def print_status_bar(step, total, loss, metrics=None):
    metrics = " - ".join([f"{m.name}: {m.result():.4f}"
                          for m in [loss] + (metrics or [])])
    end = "" if step < total else "\n"
    print(f"\r{step}/{total} - " + metrics, end=end)


n_epochs = 3
batch_size = 32
n_steps = len(X_train) // batch_size
optimizer = tf.keras.optimizers.SGD(learning_rate=0.01)
loss_fn = tf.keras.losses.sparse_categorical_crossentropy
mean_loss = tf.keras.metrics.Mean(name="mean_loss")
metrics = [tf.keras.metrics.SparseCategoricalAccuracy()]

epoch_losses = []
for epoch in range(1, n_epochs + 1):
    print(f"Epoch {epoch}/{n_epochs}")
    for step in range(1, n_steps + 1):
        X_batch, y_batch = random_batch(X_train, y_train)
        with tf.GradientTape() as tape:
            y_pred = model(X_batch, training=True)
            main_loss = tf.reduce_mean(loss_fn(y_batch, y_pred))
            loss = tf.add_n([main_loss] + model.losses)

        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))

        # extra code – if your model has variable constraints
        for variable in model.variables:
            if variable.constraint is not None:
                variable.assign(variable.constraint(variable))

        mean_loss(loss)
        for metric in metrics:
            metric(y_batch, y_pred)

        print_status_bar(step, n_steps, mean_loss, metrics)

    epoch_losses.append(float(mean_loss.result()))
    for metric in [mean_loss] + metrics:
        metric.reset_state()

print("mean loss per epoch:", np.round(epoch_losses, 4))
assert epoch_losses[-1] < epoch_losses[0]
assert len(model.losses) == 2  # one l2 penalty per Dense kernel
kernel = model.layers[1].kernel.numpy()
norms = np.sqrt((kernel ** 2).sum(axis=0))
print("largest kernel column norm after max_norm(1.): %.4f" % norms.max())
assert norms.max() <= 1.0 + 1e-5
valid_accuracy = np.mean(np.argmax(model.predict(X_valid, verbose=0), axis=1) == y_valid)
print("validation accuracy: %.2f" % valid_accuracy)
assert 0.0 <= valid_accuracy <= 1.0
