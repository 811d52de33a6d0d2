# Follows: keras-team/keras examples/mnist_cnn.py (the Keras 2 example students still copy, 2017-2019)
#   https://github.com/keras-team/keras/blob/2.3.1/examples/mnist_cnn.py
# Keras 2 spelling as far as Keras 3 runs it (`import keras`, `from keras.datasets import mnist`,
#   `from keras import backend as K`); Keras 3 needs keras.Input instead of input_shape= (a warning),
#   and model.metrics_names is what Keras 3 reports.
# Shrunk: the 600/100-image MNIST slice, 32/64 filters -> 8/16, 128 -> 32 units, 2 epochs.
# Exercises: K.image_data_format() deciding the reshape and input_shape, astype('float32') / 255,
#   keras.utils.to_categorical, Sequential.add, Conv2D(kernel_size=(3, 3)), MaxPooling2D(pool_size=(2, 2)),
#   Dropout, loss=keras.losses.categorical_crossentropy (the function), optimizer=keras.optimizers.Adadelta,
#   fit(validation_data=...), evaluate returning [loss, accuracy], model.metrics_names, model.output_shape,
#   model.count_params(), model.predict_on_batch.
import numpy as np
import keras
from keras.datasets import mnist
from keras.models import Sequential
from keras.layers import Dense, Dropout, Flatten, Input
from keras.layers import Conv2D, MaxPooling2D
from keras import backend as K

keras.utils.set_random_seed(1337)

batch_size = 32
num_classes = 10
epochs = 2

# input image dimensions
img_rows, img_cols = 28, 28

# the data, split between train and test sets
(x_train, y_train), (x_test, y_test) = mnist.load_data()

if K.image_data_format() == 'channels_first':
    x_train = x_train.reshape(x_train.shape[0], 1, img_rows, img_cols)
    x_test = x_test.reshape(x_test.shape[0], 1, img_rows, img_cols)
    input_shape = (1, img_rows, img_cols)
else:
    x_train = x_train.reshape(x_train.shape[0], img_rows, img_cols, 1)
    x_test = x_test.reshape(x_test.shape[0], img_rows, img_cols, 1)
    input_shape = (img_rows, img_cols, 1)

x_train = x_train.astype('float32')
x_test = x_test.astype('float32')
x_train /= 255
x_test /= 255
print('x_train shape:', x_train.shape)
print(x_train.shape[0], 'train samples')
print(x_test.shape[0], 'test samples')

# convert class vectors to binary class matrices
y_train = keras.utils.to_categorical(y_train, num_classes)
y_test = keras.utils.to_categorical(y_test, num_classes)

model = Sequential()
model.add(Input(shape=input_shape))
model.add(Conv2D(8, kernel_size=(3, 3),
                 activation='relu'))
model.add(Conv2D(16, (3, 3), activation='relu'))
model.add(MaxPooling2D(pool_size=(2, 2)))
model.add(Dropout(0.25))
model.add(Flatten())
model.add(Dense(32, activation='relu'))
model.add(Dropout(0.5))
model.add(Dense(num_classes, activation='softmax'))

model.compile(loss=keras.losses.categorical_crossentropy,
              optimizer=keras.optimizers.Adadelta(learning_rate=1.0),
              metrics=['accuracy'])
print("output_shape", model.output_shape, "params", model.count_params())
assert model.output_shape == (None, 10)
assert model.count_params() == (3 * 3 * 1 * 8 + 8) + (3 * 3 * 8 * 16 + 16) + (12 * 12 * 16 * 32 + 32) + (32 * 10 + 10)

history = model.fit(x_train, y_train,
                    batch_size=batch_size,
                    epochs=epochs,
                    verbose=2,
                    validation_data=(x_test, y_test))
score = model.evaluate(x_test, y_test, verbose=0)
print('Test loss:', round(score[0], 4))
print('Test accuracy:', round(score[1], 4))
print('metrics_names:', model.metrics_names)
assert isinstance(score, list) and len(score) == 2 and 0.0 <= score[1] <= 1.0
assert model.metrics_names[0] == 'loss' and len(model.metrics_names) == 2
assert history.history['loss'][1] < history.history['loss'][0]

probabilities = model.predict_on_batch(x_test[:8])
print('predict_on_batch:', type(probabilities).__name__, probabilities.shape,
      np.argmax(probabilities, axis=1), np.argmax(y_test[:8], axis=1))
assert np.asarray(probabilities).shape == (8, 10)
assert np.allclose(np.asarray(probabilities).sum(axis=1), 1.0, atol=1e-5)
