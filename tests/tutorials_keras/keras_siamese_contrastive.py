# Follows: keras.io example "Image similarity estimation using a Siamese Network with a contrastive loss"
#   (M. Kaouane)
#   https://keras.io/examples/vision/siamese_contrastive/
# Keras 3 spelling (`import keras`, `from keras import ops`).
# Shrunk: pairs from the 600/100-image MNIST slice, 2 epochs, batch 16.
# Exercises: make_pairs with random.choice over class indices, an embedding network (a keras.Model) shared
#   by two Inputs (tower_1 = embedding_network(input_1), tower_2 = embedding_network(input_2)),
#   layers.Lambda(euclidean_distance, output_shape=(1,)) on a list of two tensors, keras.ops.sum /
#   square / sqrt / maximum / mean, keras.backend.epsilon(), a loss(margin) closure written with
#   keras.ops, compile(loss=loss(margin=1), optimizer="RMSprop"), fit([x1, x2], y,
#   validation_data=([x1, x2], y)), evaluate, predict on pairs, AveragePooling2D, tanh activations.
# Exact checks: euclidean_distance and the contrastive loss on fixed arrays equal their NumPy formulas;
#   the shared embedding network's weights are counted once.
import random

import numpy as np
import keras
from keras import layers, ops

keras.utils.set_random_seed(42)
random.seed(42)

epochs = 2
batch_size = 16
margin = 1  # Margin for contrastive loss.

(x_train_val, y_train_val), (x_test, y_test) = keras.datasets.mnist.load_data()

# Change the data type to a floating point format
x_train_val = x_train_val.astype("float32")
x_test = x_test.astype("float32")

# Keep 50% of train_val  in validation set
x_train, x_val = x_train_val[:300], x_train_val[300:]
y_train, y_val = y_train_val[:300], y_train_val[300:]
del x_train_val, y_train_val


def make_pairs(x, y):
    """Creates a tuple containing image pairs with corresponding label."""
    num_classes = max(y) + 1
    digit_indices = [np.where(y == i)[0] for i in range(num_classes)]

    pairs = []
    labels = []

    for idx1 in range(len(x)):
        # add a matching example
        x1 = x[idx1]
        label1 = y[idx1]
        idx2 = random.choice(digit_indices[label1])
        x2 = x[idx2]

        pairs += [[x1, x2]]
        labels += [0]

        # add a non-matching example
        label2 = random.randint(0, num_classes - 1)
        while label2 == label1:
            label2 = random.randint(0, num_classes - 1)

        idx2 = random.choice(digit_indices[label2])
        x2 = x[idx2]

        pairs += [[x1, x2]]
        labels += [1]

    return np.array(pairs), np.array(labels).astype("float32")


# make train pairs
pairs_train, labels_train = make_pairs(x_train, y_train)
# make validation pairs
pairs_val, labels_val = make_pairs(x_val, y_val)
# make test pairs
pairs_test, labels_test = make_pairs(x_test, y_test)
print("pairs_train", pairs_train.shape, "labels", labels_train.shape)
assert pairs_train.shape == (600, 2, 28, 28)

x_train_1 = pairs_train[:, 0]  # x_train_1.shape is (600, 28, 28)
x_train_2 = pairs_train[:, 1]
x_val_1 = pairs_val[:, 0]
x_val_2 = pairs_val[:, 1]
x_test_1 = pairs_test[:, 0]
x_test_2 = pairs_test[:, 1]


# Provided two tensors t1 and t2
# Euclidean distance = sqrt(sum(square(t1-t2)))
def euclidean_distance(vects):
    """Find the Euclidean distance between two vectors."""
    x, y = vects
    sum_square = ops.sum(ops.square(x - y), axis=1, keepdims=True)
    return ops.sqrt(ops.maximum(sum_square, keras.backend.epsilon()))


a = np.array([[0.0, 3.0], [1.0, 1.0]], "float32")
b = np.array([[4.0, 0.0], [1.0, 1.0]], "float32")
distance = ops.convert_to_numpy(euclidean_distance([a, b]))
print("distances", distance.ravel().tolist())
assert np.allclose(distance.ravel(), [5.0, np.sqrt(1e-7)])

input = keras.layers.Input((28, 28, 1))
x = keras.layers.BatchNormalization()(input)
x = keras.layers.Conv2D(4, (5, 5), activation="tanh")(x)
x = keras.layers.AveragePooling2D(pool_size=(2, 2))(x)
x = keras.layers.Conv2D(16, (5, 5), activation="tanh")(x)
x = keras.layers.AveragePooling2D(pool_size=(2, 2))(x)
x = keras.layers.Flatten()(x)

x = keras.layers.BatchNormalization()(x)
x = keras.layers.Dense(10, activation="tanh")(x)
embedding_network = keras.Model(input, x)

input_1 = keras.layers.Input((28, 28, 1))
input_2 = keras.layers.Input((28, 28, 1))

# As mentioned above, Siamese Network share weights between
# tower networks (sister networks). To allow this, we will use
# same embedding network for both tower networks.
tower_1 = embedding_network(input_1)
tower_2 = embedding_network(input_2)

merge_layer = keras.layers.Lambda(euclidean_distance, output_shape=(1,))(
    [tower_1, tower_2]
)
normal_layer = keras.layers.BatchNormalization()(merge_layer)
output_layer = keras.layers.Dense(1, activation="sigmoid")(normal_layer)
siamese = keras.Model(inputs=[input_1, input_2], outputs=output_layer)
print("siamese weights:", len(siamese.weights), "embedding weights:", len(embedding_network.weights))
assert len(siamese.weights) == len(embedding_network.weights) + 4 + 2
assert siamese.output_shape == (None, 1)


def loss(margin=1):
    """Provides 'contrastive_loss' an enclosing scope with variable 'margin'."""

    # Contrastive loss = mean( (1-true_value) * square(prediction) +
    #                         true_value * square( max(margin-prediction, 0) ))
    def contrastive_loss(y_true, y_pred):
        square_pred = ops.square(y_pred)
        margin_square = ops.square(ops.maximum(margin - (y_pred), 0))
        return ops.mean((1 - y_true) * square_pred + (y_true) * margin_square)

    return contrastive_loss


y_true = np.array([[0.0], [1.0], [1.0]], "float32")
y_pred = np.array([[0.2], [0.3], [1.4]], "float32")
value = float(ops.convert_to_numpy(loss(margin=1)(y_true, y_pred)))
expected = np.mean([0.2 ** 2, (1 - 0.3) ** 2, 0.0])
print("contrastive loss %.5f (expected %.5f)" % (value, expected))
assert np.isclose(value, expected, atol=1e-6)

siamese.compile(loss=loss(margin=margin), optimizer="RMSprop", metrics=["accuracy"])
siamese.summary()

history = siamese.fit(
    [x_train_1, x_train_2],
    labels_train,
    validation_data=([x_val_1, x_val_2], labels_val),
    batch_size=batch_size,
    epochs=epochs,
    verbose=0,
)
print("history:", {k: np.round(v, 4).tolist() for k, v in history.history.items()})
assert sorted(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]

results = siamese.evaluate([x_test_1, x_test_2], labels_test, verbose=0)
print("test loss, test acc:", np.round(results, 4))
predictions = siamese.predict([x_test_1[:6], x_test_2[:6]], verbose=0)
print("predictions", predictions.ravel().round(3), "labels", labels_test[:6])
assert predictions.shape == (6, 1) and ((predictions >= 0) & (predictions <= 1)).all()
