# Follows: Géron, Hands-On Machine Learning (3rd ed.), ch. 17 "Autoencoders": "Convolutional
#   Autoencoders", "Denoising Autoencoders" (GaussianNoise / Dropout before the encoder) and "Unsupervised
#   Pretraining Using Stacked Autoencoders" (reusing the encoder in a classifier trained on few labels);
#   the 28 -> 32 padding and final crop are the Kaggle MNIST-autoencoder habit of making the size divisible
#   by 2^3 (ZeroPadding2D, then Cropping2D)
#   https://github.com/ageron/handson-ml3/blob/main/17_autoencoders_gans_and_diffusion_models.ipynb
# tf.keras spelling (`import tensorflow as tf`).
# Shrunk: the 600-image Fashion-MNIST slice, filters 16/32/64 -> 8/16/16, 2 epochs; 100 labels for the
#   pretrained classifier.
# Exercises: Reshape([28, 28, 1]) and Reshape([28, 28]), ZeroPadding2D(2), Conv2D + MaxPool2D encoder,
#   Conv2DTranspose(strides=2, padding="same") and UpSampling2D decoders, Cropping2D(2), GaussianNoise(0.2)
#   active in training only, Sequential of Sequentials (encoder, decoder), fit(x, x), the encoder frozen
#   (trainable = False) inside a classifier, model.output_shape.
# Exact checks: Cropping2D(2)(ZeroPadding2D(2)(x)) == x; UpSampling2D repeats rows and columns; GaussianNoise
#   is the identity at inference and not during training.
import numpy as np
import tensorflow as tf

tf.random.set_seed(42)
tf.keras.utils.set_random_seed(42)

fashion_mnist = tf.keras.datasets.fashion_mnist.load_data()
(X_train_full, y_train_full), (X_test, y_test) = fashion_mnist
X_train_full = X_train_full.astype(np.float32) / 255
X_test = X_test.astype(np.float32) / 255
X_train, X_valid = X_train_full[:-100], X_train_full[-100:]
y_train, y_valid = y_train_full[:-100], y_train_full[-100:]

# exact: padding then cropping gives the image back; upsampling repeats pixels
x = X_train[:2, :, :, None]
padded = tf.keras.layers.ZeroPadding2D(2)(x)
restored = tf.keras.layers.Cropping2D(2)(padded)
print("padded", tuple(padded.shape), "cropped back", tuple(restored.shape))
assert np.array_equal(np.asarray(restored), x) and float(np.abs(np.asarray(padded)[:, :2]).max()) == 0
up = np.asarray(tf.keras.layers.UpSampling2D(2)(np.arange(4, dtype="float32").reshape(1, 2, 2, 1)))
assert up[0, :, :, 0].tolist() == [[0, 0, 1, 1], [0, 0, 1, 1], [2, 2, 3, 3], [2, 2, 3, 3]]
noise = tf.keras.layers.GaussianNoise(0.2)
assert np.array_equal(np.asarray(noise(x, training=False)), x)
assert not np.allclose(np.asarray(noise(x, training=True)), x)
print("pad/crop, upsampling and noise layers: ok")

conv_encoder = tf.keras.Sequential([
    tf.keras.layers.Reshape([28, 28, 1]),
    tf.keras.layers.ZeroPadding2D(2),  # 32 x 32 x 1
    tf.keras.layers.Conv2D(8, 3, padding="same", activation="relu"),
    tf.keras.layers.MaxPool2D(pool_size=2),  # 16 x 16 x 8
    tf.keras.layers.Conv2D(16, 3, padding="same", activation="relu"),
    tf.keras.layers.MaxPool2D(pool_size=2),  # 8 x 8 x 16
    tf.keras.layers.Conv2D(16, 3, padding="same", activation="relu"),
    tf.keras.layers.MaxPool2D(pool_size=2),  # 4 x 4 x 16
])
conv_decoder = tf.keras.Sequential([
    tf.keras.layers.Conv2DTranspose(16, 3, strides=2, padding="same", activation="relu"),
    tf.keras.layers.Conv2DTranspose(8, 3, strides=2, padding="same", activation="relu"),
    tf.keras.layers.UpSampling2D(2),
    tf.keras.layers.Conv2D(1, 3, padding="same", activation="sigmoid"),
    tf.keras.layers.Cropping2D(2),
    tf.keras.layers.Reshape([28, 28])
])
conv_ae = tf.keras.Sequential([tf.keras.Input(shape=[28, 28]), conv_encoder, conv_decoder])
conv_ae.compile(loss="mse", optimizer="nadam")
history = conv_ae.fit(X_train, X_train, epochs=2, validation_data=(X_valid, X_valid), verbose=0)
print("codings", conv_encoder.output_shape, "reconstructions", conv_ae.output_shape)
print("conv AE mse per epoch", np.round(history.history["loss"], 4))
assert conv_encoder.output_shape == (None, 4, 4, 16) and conv_ae.output_shape == (None, 28, 28)
assert history.history["loss"][1] < history.history["loss"][0]

# denoising autoencoder (Gaussian noise)
denoising_encoder = tf.keras.Sequential([
    tf.keras.layers.Flatten(),
    tf.keras.layers.GaussianNoise(0.2),
    tf.keras.layers.Dense(64, activation="relu"),
    tf.keras.layers.Dense(30, activation="relu")
])
denoising_decoder = tf.keras.Sequential([
    tf.keras.layers.Dense(64, activation="relu"),
    tf.keras.layers.Dense(28 * 28),
    tf.keras.layers.Reshape([28, 28])
])
denoising_ae = tf.keras.Sequential([tf.keras.Input(shape=[28, 28]), denoising_encoder,
                                    denoising_decoder])
denoising_ae.compile(loss="mse", optimizer="nadam")
history = denoising_ae.fit(X_train, X_train, epochs=2, validation_data=(X_valid, X_valid), verbose=0)
print("denoising AE mse per epoch", np.round(history.history["loss"], 4))
reconstructions = denoising_ae.predict(X_valid[:3], verbose=0)
assert reconstructions.shape == (3, 28, 28)
assert np.allclose(reconstructions, denoising_ae.predict(X_valid[:3], verbose=0))  # no noise at inference

# unsupervised pretraining: reuse the convolutional encoder, frozen, with 100 labels
conv_encoder.trainable = False
classifier = tf.keras.Sequential([
    tf.keras.Input(shape=[28, 28]),
    conv_encoder,
    tf.keras.layers.Flatten(),
    tf.keras.layers.Dense(10, activation="softmax"),
])
classifier.compile(loss="sparse_categorical_crossentropy", optimizer="nadam", metrics=["accuracy"])
weights_before = [w.copy() for w in conv_encoder.get_weights()]
history = classifier.fit(X_train[:100], y_train[:100], epochs=2, validation_data=(X_valid, y_valid),
                         verbose=0)
print("classifier output_shape", classifier.output_shape, "trainable weights",
      len(classifier.trainable_weights), "val_accuracy", np.round(history.history["val_accuracy"], 2))
assert classifier.output_shape == (None, 10) and len(classifier.trainable_weights) == 2
assert all(np.array_equal(a, b) for a, b in zip(weights_before, conv_encoder.get_weights()))
