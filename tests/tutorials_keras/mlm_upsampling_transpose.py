# Follows: Machine Learning Mastery, "How to use the UpSampling2D and Conv2DTranspose Layers in Keras"
#   (J. Brownlee): the 2x2 toy input through UpSampling2D, then a Conv2DTranspose with hand-set weights,
#   then the two layers in a small GAN-style generator
#   https://machinelearningmastery.com/upsampling-and-transpose-convolution-layers-for-generative-adversarial-networks/
# tf.keras spelling of the post's imports (`from tensorflow.keras.models import Sequential`,
#   `from tensorflow.keras.layers import ...`).
# Shrunk: the generator's 128 filters / 7x7x128 become 8 / 7x7x8; it is trained 2 epochs to reproduce
#   MNIST digits from their class one-hot (a decoder), so that it is also fitted, not only summarised.
# Exercises: Input(shape=(2, 2, 1)), UpSampling2D() and UpSampling2D(size=(2, 3)), Conv2DTranspose(1, (1, 1),
#   strides=(2, 2)) with set_weights([kernel, bias]), model.predict, yhat.reshape, model.summary(),
#   Dense -> Reshape((7, 7, 8)) -> UpSampling2D / Conv2DTranspose((3, 3), strides=(2, 2), padding='same'),
#   output_shape.
# Exact checks: the post's printed outputs: nearest-neighbour upsampling of [[1, 2], [3, 4]], and the 1x1
#   stride-2 transpose convolution that spreads the four values over a 4x4 grid of zeros.
import numpy as np
import tensorflow as tf
from numpy import asarray
from tensorflow.keras.layers import Conv2D, Conv2DTranspose, Dense, Input, Reshape, UpSampling2D
from tensorflow.keras.models import Sequential

tf.keras.utils.set_random_seed(1)

# define input data
X = asarray([[1, 2],
             [3, 4]])
# show input data for context
print(X)
# reshape input data into one sample a sample with a channel
X = X.reshape((1, 2, 2, 1))
# define model
model = Sequential()
model.add(Input(shape=(2, 2, 1)))
model.add(UpSampling2D())
# summarize the model
model.summary()
# make a prediction with the model
yhat = model.predict(X, verbose=0)
# reshape output to remove channel to make printing easier
yhat = yhat.reshape((4, 4))
# summarize output
print(yhat)
assert yhat.tolist() == [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]

model = Sequential([Input(shape=(2, 2, 1)), UpSampling2D(size=(2, 3))])
print("size=(2, 3):", model.output_shape)
assert model.output_shape == (None, 4, 6, 1)
assert model.predict(X, verbose=0)[0, :, :, 0].tolist()[0] == [1, 1, 1, 2, 2, 2]

# define model
model = Sequential()
model.add(Input(shape=(2, 2, 1)))
model.add(Conv2DTranspose(1, (1, 1), strides=(2, 2)))
# summarize the model
model.summary()
# define weights that they do nothing
weights = [asarray([[[[1]]]]), asarray([0])]
# store the weights in the model
model.set_weights(weights)
# make a prediction with the model
yhat = model.predict(X, verbose=0)
# reshape output to remove channel to make printing easier
yhat = yhat.reshape((4, 4))
# summarize output
print(yhat)
assert yhat.tolist() == [[1, 0, 2, 0], [0, 0, 0, 0], [3, 0, 4, 0], [0, 0, 0, 0]]

# A generator in the post's style, trained as a class-conditional decoder on MNIST
(trainX, trainy), _ = tf.keras.datasets.mnist.load_data()
images = trainX.reshape(-1, 28, 28, 1).astype("float32") / 255.0
onehot = tf.keras.utils.to_categorical(trainy, 10)

for name, upsample in [("UpSampling2D", lambda: [UpSampling2D(), Conv2D(1, (3, 3), padding="same")]),
                       ("Conv2DTranspose", lambda: [Conv2DTranspose(1, (3, 3), strides=(2, 2),
                                                                    padding="same")])]:
    generator = Sequential()
    generator.add(Input(shape=(10,)))
    # foundation for 7x7 image
    generator.add(Dense(8 * 7 * 7))
    generator.add(Reshape((7, 7, 8)))
    # double input from 7x7 to 14x14
    generator.add(UpSampling2D())
    generator.add(Conv2D(8, (3, 3), padding="same", activation="relu"))
    # double input from 14x14 to 28x28
    for layer in upsample():
        generator.add(layer)
    generator.summary()
    print(name, "generator output_shape", generator.output_shape)
    assert generator.output_shape == (None, 28, 28, 1)
    generator.compile(optimizer="adam", loss="mse")
    history = generator.fit(onehot, images, epochs=2, batch_size=32, verbose=0)
    print(name, "mse per epoch", np.round(history.history["loss"], 4))
    assert history.history["loss"][1] < history.history["loss"][0]
