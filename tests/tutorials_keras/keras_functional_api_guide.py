# Follows: keras.io guide "The Functional API" (F. Chollet)
#   https://keras.io/guides/functional_api/
# Keras 3 spelling (`import keras`, `from keras import layers`, `from keras import ops`).
# Shrunk: the guide's sections on models as layers, ensembling, several inputs and outputs, shared layers
#   and feature extraction, on MNIST (600 images) and tiny arrays. The guide's ticket-classification
#   model (text inputs, Embedding + LSTM) becomes an image + tags model with the same two losses and
#   loss_weights; its shared Embedding becomes a shared Conv2D.
# Exercises: the guide's autoencoder (Conv2D, MaxPooling2D(3), GlobalMaxPooling2D, Reshape((4, 4, 1)),
#   Conv2DTranspose, UpSampling2D(3)), a model as a layer (encoder/decoder called on a tensor), ensembling
#   with layers.average (and layers.maximum), a model with two inputs and two outputs compiled with
#   loss lists, dict losses and loss_weights, fit on dicts, a shared layer applied to two inputs, feature
#   extraction with keras.Model(inputs=..., outputs=[layer.output for layer in model.layers]),
#   model.summary(), model.output_shape.
import numpy as np
import keras
from keras import layers

keras.utils.set_random_seed(1)

# Models as layers: the guide's autoencoder
encoder_input = keras.Input(shape=(28, 28, 1), name="img")
x = layers.Conv2D(16, 3, activation="relu")(encoder_input)
x = layers.Conv2D(32, 3, activation="relu")(x)
x = layers.MaxPooling2D(3)(x)
x = layers.Conv2D(32, 3, activation="relu")(x)
x = layers.Conv2D(16, 3, activation="relu")(x)
encoder_output = layers.GlobalMaxPooling2D()(x)

encoder = keras.Model(encoder_input, encoder_output, name="encoder")
encoder.summary()

decoder_input = keras.Input(shape=(16,), name="encoded_img")
x = layers.Reshape((4, 4, 1))(decoder_input)
x = layers.Conv2DTranspose(16, 3, activation="relu")(x)
x = layers.Conv2DTranspose(32, 3, activation="relu")(x)
x = layers.UpSampling2D(3)(x)
x = layers.Conv2DTranspose(16, 3, activation="relu")(x)
decoder_output = layers.Conv2DTranspose(1, 3, activation="relu")(x)

decoder = keras.Model(decoder_input, decoder_output, name="decoder")
decoder.summary()

autoencoder_input = keras.Input(shape=(28, 28, 1), name="img")
encoded_img = encoder(autoencoder_input)
decoded_img = decoder(encoded_img)
autoencoder = keras.Model(autoencoder_input, decoded_img, name="autoencoder")
autoencoder.summary()
print("encoder", encoder.output_shape, "decoder", decoder.output_shape, "autoencoder", autoencoder.output_shape)
assert encoder.output_shape == (None, 16)
assert decoder.output_shape == (None, 28, 28, 1) and autoencoder.output_shape == (None, 28, 28, 1)

(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
x_train = x_train.reshape(-1, 28, 28, 1).astype("float32") / 255
autoencoder.compile(optimizer="adam", loss="mse")
history = autoencoder.fit(x_train, x_train, epochs=2, batch_size=64, verbose=0)
print("autoencoder mse per epoch:", np.round(history.history["loss"], 4))
assert history.history["loss"][1] < history.history["loss"][0]


# Ensembling: a model is callable like a layer
def get_model():
    inputs = keras.Input(shape=(128,))
    outputs = layers.Dense(1)(inputs)
    return keras.Model(inputs, outputs)


model1 = get_model()
model2 = get_model()
model3 = get_model()

inputs = keras.Input(shape=(128,))
y1 = model1(inputs)
y2 = model2(inputs)
y3 = model3(inputs)
outputs = layers.average([y1, y2, y3])
ensemble_model = keras.Model(inputs=inputs, outputs=outputs)
most_confident = keras.Model(inputs, layers.maximum([y1, y2, y3]))
batch = np.random.rand(4, 128).astype("float32")
members = np.stack([m.predict(batch, verbose=0) for m in (model1, model2, model3)])
assert np.allclose(ensemble_model.predict(batch, verbose=0), members.mean(axis=0), atol=1e-5)
assert np.allclose(most_confident.predict(batch, verbose=0), members.max(axis=0), atol=1e-5)
print("ensemble of", len(ensemble_model.layers) - 2, "models: average and maximum agree with NumPy")

# Models with multiple inputs and outputs (the guide's ticket model, on images)
num_tags = 12  # Number of unique issue tags
num_departments = 4  # Number of departments for predictions

image_input = keras.Input(shape=(28, 28, 1), name="scan")
tags_input = keras.Input(shape=(num_tags,), name="tags")

image_features = layers.Conv2D(8, 3, activation="relu")(image_input)
image_features = layers.GlobalAveragePooling2D()(image_features)
x = layers.concatenate([image_features, tags_input])

priority_pred = layers.Dense(1, name="priority")(x)
department_pred = layers.Dense(num_departments, name="department")(x)

model = keras.Model(
    inputs=[image_input, tags_input],
    outputs={"priority": priority_pred, "department": department_pred},
)
model.compile(
    optimizer=keras.optimizers.RMSprop(1e-3),
    loss={
        "priority": keras.losses.BinaryCrossentropy(from_logits=True),
        "department": keras.losses.CategoricalCrossentropy(from_logits=True),
    },
    loss_weights={"priority": 1.0, "department": 0.2},
)

scan_data = x_train[:200]
tags_data = np.random.randint(2, size=(200, num_tags)).astype("float32")
priority_targets = np.random.random(size=(200, 1))
dept_targets = np.random.randint(2, size=(200, num_departments))

history = model.fit(
    {"scan": scan_data, "tags": tags_data},
    {"priority": priority_targets, "department": dept_targets},
    epochs=2,
    batch_size=32,
    verbose=0,
)
print("multi-output history keys:", sorted(history.history))
assert "loss" in history.history and len(history.history["loss"]) == 2
predictions = model.predict({"scan": scan_data[:3], "tags": tags_data[:3]}, verbose=0)
print("prediction shapes:", {k: v.shape for k, v in predictions.items()})
assert predictions["priority"].shape == (3, 1) and predictions["department"].shape == (3, 4)

# Shared layers: one Conv2D applied to two inputs
shared_conv = layers.Conv2D(4, 3, name="shared_conv")
left = keras.Input(shape=(28, 28, 1))
right = keras.Input(shape=(28, 28, 1))
left_features = layers.GlobalAveragePooling2D()(shared_conv(left))
right_features = layers.GlobalAveragePooling2D()(shared_conv(right))
difference = layers.subtract([left_features, right_features])
same_digit = keras.Model([left, right], layers.Dense(1, activation="sigmoid")(difference))
print("shared model weights:", [tuple(w.shape) for w in same_digit.weights])
assert len(same_digit.weights) == 4  # the shared kernel and bias once, then the Dense
assert np.allclose(same_digit.predict([x_train[:2], x_train[:2]], verbose=0),
                   same_digit.predict([x_train[2:4], x_train[2:4]], verbose=0))  # zero difference

# Extract and reuse nodes in the graph of layers
features_list = [layer.output for layer in encoder.layers]
feat_extraction_model = keras.Model(inputs=encoder.input, outputs=features_list)
features = feat_extraction_model(x_train[:2])
print("feature shapes:", [tuple(f.shape) for f in features])
assert [tuple(f.shape)[1:] for f in features] == [
    (28, 28, 1), (26, 26, 16), (24, 24, 32), (8, 8, 32), (6, 6, 32), (4, 4, 16), (16,)]
