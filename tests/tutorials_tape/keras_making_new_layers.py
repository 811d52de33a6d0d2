# Follows: keras.io guide "Making new layers and models via subclassing" (F. Chollet)
#   https://keras.io/guides/making_new_layers_and_models_via_subclassing/
# Keras 3 spelling (`import keras`, `from keras import layers, ops`, `import tensorflow as tf`).
# Shrunk: the guide's toy inputs are kept; its closing MNIST example trains the subclassed layers on the
#   600-image MNIST slice for 2 epochs (with a tape loop, then with fit).
# Exercises: keras.layers.Layer subclasses with add_weight in __init__ and in build(input_shape), call()
#   written with keras.ops (ops.matmul, ops.sum, ops.relu), weights / trainable_weights /
#   non_trainable_weights, a non-trainable weight updated with .assign(), layers tracked as attributes
#   of layers (MLPBlock), get_config for a custom layer, a custom layer inside a functional model trained
#   with tf.GradientTape and with fit().
# Exact checks: Linear(x) = x @ w + b; ComputeSum accumulates the column sums; the gradient of
#   sum(Linear(x)) w.r.t. w is x's column sums repeated across units and w.r.t. b is the batch size.
import numpy as np
import tensorflow as tf
import keras
from keras import layers, ops

keras.utils.set_random_seed(0)


class Linear(keras.layers.Layer):
    def __init__(self, units=32, input_dim=32):
        super().__init__()
        self.w = self.add_weight(
            shape=(input_dim, units),
            initializer="random_normal",
            trainable=True,
        )
        self.b = self.add_weight(shape=(units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return ops.matmul(inputs, self.w) + self.b


x = ops.ones((2, 2))
linear_layer = Linear(4, 2)
y = linear_layer(x)
print(y)
assert tuple(y.shape) == (2, 4)
assert linear_layer.weights == [linear_layer.w, linear_layer.b]
expected = np.ones((2, 2)) @ linear_layer.w.numpy() + linear_layer.b.numpy()
assert np.allclose(ops.convert_to_numpy(y), expected, atol=1e-6)


# Layers can have non-trainable weights
class ComputeSum(keras.layers.Layer):
    def __init__(self, input_dim):
        super().__init__()
        self.total = self.add_weight(
            initializer="zeros", shape=(input_dim,), trainable=False
        )

    def call(self, inputs):
        self.total.assign_add(ops.sum(inputs, axis=0))
        return self.total


x = ops.ones((2, 2))
my_sum = ComputeSum(2)
y = my_sum(x)
print(y.numpy())
y = my_sum(x)
print(y.numpy())
assert np.array_equal(y.numpy(), [4.0, 4.0])
print("weights:", len(my_sum.weights))
print("non-trainable weights:", len(my_sum.non_trainable_weights))
# It's not included in the trainable weights:
print("trainable_weights:", my_sum.trainable_weights)
assert (len(my_sum.weights), len(my_sum.non_trainable_weights), len(my_sum.trainable_weights)) == (1, 1, 0)


# Best practice: deferring weight creation until the shape of the inputs is known
class Linear(keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(
            shape=(input_shape[-1], self.units),
            initializer="random_normal",
            trainable=True,
        )
        self.b = self.add_weight(
            shape=(self.units,), initializer="random_normal", trainable=True
        )

    def call(self, inputs):
        return ops.matmul(inputs, self.w) + self.b

    def get_config(self):
        return {"units": self.units}


# At instantiation, we don't know on what inputs this is going to get called
linear_layer = Linear(32)
print("built before the call:", linear_layer.built)
# The layer's weights are created dynamically the first time the layer is called
y = linear_layer(x)
print("built after the call:", linear_layer.built, "w", tuple(linear_layer.w.shape))
assert linear_layer.built and tuple(linear_layer.w.shape) == (2, 32)
assert Linear(**linear_layer.get_config()).units == 32


# Layers are recursively composable
class MLPBlock(keras.layers.Layer):
    def __init__(self):
        super().__init__()
        self.linear_1 = Linear(32)
        self.linear_2 = Linear(32)
        self.linear_3 = Linear(1)

    def call(self, inputs):
        x = self.linear_1(inputs)
        x = keras.activations.relu(x)
        x = self.linear_2(x)
        x = keras.activations.relu(x)
        return self.linear_3(x)


mlp = MLPBlock()
y = mlp(ops.ones(shape=(3, 64)))  # The first call to the `mlp` will create the weights
print("weights:", len(mlp.weights))
print("trainable weights:", len(mlp.trainable_weights))
assert len(mlp.weights) == len(mlp.trainable_weights) == 6 and tuple(y.shape) == (3, 1)

# The tape gives the custom layer its gradients
layer = Linear(3)
x = np.arange(8, dtype="float32").reshape(4, 2)
with tf.GradientTape() as tape:
    out = ops.sum(layer(x))
grad_w, grad_b = tape.gradient(out, [layer.w, layer.b])
print("dsum/dw", grad_w.numpy().tolist(), "dsum/db", grad_b.numpy().tolist())
assert np.allclose(grad_w.numpy(), np.repeat(x.sum(axis=0)[:, None], 3, axis=1))
assert np.allclose(grad_b.numpy(), [4.0, 4.0, 4.0])

# Putting it all together: the subclassed layers in an MNIST classifier
(x_train, y_train), _ = keras.datasets.mnist.load_data()
x_train = x_train.reshape(-1, 784).astype("float32") / 255.0

inputs = keras.Input(shape=(784,))
h = Linear(64)(inputs)
h = layers.Activation("relu")(h)
outputs = Linear(10)(h)
model = keras.Model(inputs, outputs)
print("model weights:", [tuple(w.shape) for w in model.weights])
assert [tuple(w.shape) for w in model.weights] == [(784, 64), (64,), (64, 10), (10,)]

loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
optimizer = keras.optimizers.SGD(learning_rate=0.1)
dataset = tf.data.Dataset.from_tensor_slices((x_train, y_train)).batch(64)
epoch_losses = []
for epoch in range(2):
    losses = []
    for xb, yb in dataset:
        with tf.GradientTape() as tape:
            loss = loss_fn(yb, model(xb))
        grads = tape.gradient(loss, model.trainable_weights)
        optimizer.apply_gradients(zip(grads, model.trainable_weights))
        losses.append(float(loss))
    epoch_losses.append(np.mean(losses))
print("tape loop mean loss per epoch:", np.round(epoch_losses, 4))
assert epoch_losses[1] < epoch_losses[0]

model.compile(optimizer="adam", loss=loss_fn, metrics=["accuracy"])
history = model.fit(x_train, y_train, batch_size=64, epochs=2, verbose=0)
print("fit accuracy:", np.round(history.history["accuracy"], 3))
assert history.history["loss"][1] < history.history["loss"][0]
