# Follows: the Keras blog, "Building powerful image classification models using very little data"
#   (F. Chollet, 2016) and its gist classifier_from_little_data_script_1.py
#   https://blog.keras.io/building-powerful-image-classification-models-using-very-little-data.html
# Keras 2 era spelling kept where Keras 3 still has it (`from keras import backend as K`); the generator
#   comes from `tensorflow.keras.preprocessing.image` (Keras 3's keras.preprocessing.image has none),
#   save_weights needs the ".weights.h5" suffix and fit_generator is fit in Keras 3.
# Shrunk: cats vs dogs -> the X-ray sample's Covid vs Normal (60 train / 20 validation images), 150x150 ->
#   64x64, 2 epochs, 20 preview images.
# Exercises: ImageDataGenerator(rotation_range, width/height_shift_range, rescale, shear_range, zoom_range,
#   horizontal_flip, fill_mode='nearest'), load_img, img_to_array, x.reshape((1,) + x.shape),
#   datagen.flow(x, batch_size=1, save_to_dir='preview', save_prefix='covid', save_format='jpeg'),
#   K.image_data_format() choosing input_shape, Sequential with Conv2D/Activation/MaxPooling2D/Flatten/
#   Dense/Dropout, flow_from_directory(class_mode='binary', classes=[...]), fit with steps_per_epoch and
#   validation_steps, model.save_weights('first_try.weights.h5').
import os

import numpy as np
from keras import backend as K
from keras.layers import Activation, Conv2D, Dense, Dropout, Flatten, Input, MaxPooling2D
from keras.models import Sequential
from tensorflow.keras.preprocessing.image import ImageDataGenerator, img_to_array, load_img
import keras

keras.utils.set_random_seed(2016)

datagen = ImageDataGenerator(
        rotation_range=40,
        width_shift_range=0.2,
        height_shift_range=0.2,
        rescale=1./255,
        shear_range=0.2,
        zoom_range=0.2,
        horizontal_flip=True,
        fill_mode='nearest')

first = sorted(os.listdir('Covid19-dataset/train/Covid'))[0]
img = load_img('Covid19-dataset/train/Covid/' + first)  # this is a PIL image
x = img_to_array(img)  # this is a Numpy array with shape (128, 128, 3)
x = x.reshape((1,) + x.shape)  # this is a Numpy array with shape (1, 128, 128, 3)
print("x", x.shape)
assert x.shape == (1, 128, 128, 3)

# the .flow() command below generates batches of randomly transformed images
# and saves the results to the `preview/` directory
os.makedirs('preview', exist_ok=True)
i = 0
for batch in datagen.flow(x, batch_size=1,
                          save_to_dir='preview', save_prefix='covid', save_format='jpeg'):
    i += 1
    if i >= 20:
        break  # otherwise the generator would loop indefinitely
saved = sorted(os.listdir('preview'))
print("preview files:", len(saved), "first", saved[0][:6], "...", saved[0][-5:])
assert len(saved) == 20 and all(name.startswith('covid_') and name.endswith('.jpeg') for name in saved)
assert batch.shape == (1, 128, 128, 3) and batch.max() <= 1.0
preview = load_img(os.path.join('preview', saved[0]))
assert preview.size == (128, 128)

# dimensions of our images.
img_width, img_height = 64, 64

train_data_dir = 'Covid19-dataset/train'
validation_data_dir = 'Covid19-dataset/test'
nb_train_samples = 60
nb_validation_samples = 20
epochs = 2
batch_size = 10

if K.image_data_format() == 'channels_first':
    input_shape = (3, img_width, img_height)
else:
    input_shape = (img_width, img_height, 3)
print("image_data_format:", K.image_data_format(), "input_shape", input_shape)
assert K.image_data_format() == 'channels_last'

model = Sequential()
model.add(Input(shape=input_shape))
model.add(Conv2D(16, (3, 3)))
model.add(Activation('relu'))
model.add(MaxPooling2D(pool_size=(2, 2)))

model.add(Conv2D(16, (3, 3)))
model.add(Activation('relu'))
model.add(MaxPooling2D(pool_size=(2, 2)))

model.add(Conv2D(32, (3, 3)))
model.add(Activation('relu'))
model.add(MaxPooling2D(pool_size=(2, 2)))

model.add(Flatten())
model.add(Dense(32))
model.add(Activation('relu'))
model.add(Dropout(0.5))
model.add(Dense(1))
model.add(Activation('sigmoid'))

model.compile(loss='binary_crossentropy',
              optimizer='rmsprop',
              metrics=['accuracy'])
print("output_shape:", model.output_shape)
assert model.output_shape == (None, 1)

# this is the augmentation configuration we will use for training
train_datagen = ImageDataGenerator(
    rescale=1. / 255,
    shear_range=0.2,
    zoom_range=0.2,
    horizontal_flip=True)

# this is the augmentation configuration we will use for testing:
# only rescaling
test_datagen = ImageDataGenerator(rescale=1. / 255)

train_generator = train_datagen.flow_from_directory(
    train_data_dir,
    target_size=(img_width, img_height),
    classes=['Covid', 'Normal'],
    batch_size=batch_size,
    class_mode='binary')

validation_generator = test_datagen.flow_from_directory(
    validation_data_dir,
    target_size=(img_width, img_height),
    classes=['Covid', 'Normal'],
    batch_size=batch_size,
    class_mode='binary')

history = model.fit(
    train_generator,
    steps_per_epoch=nb_train_samples // batch_size,
    epochs=epochs,
    validation_data=validation_generator,
    validation_steps=nb_validation_samples // batch_size,
    verbose=2)

model.save_weights('first_try.weights.h5')
print("history keys:", sorted(history.history), "weights file:", os.path.exists('first_try.weights.h5'))
assert sorted(history.history) == ['accuracy', 'loss', 'val_accuracy', 'val_loss']
assert os.path.exists('first_try.weights.h5')
model.load_weights('first_try.weights.h5')
probabilities = model.predict(next(validation_generator)[0], verbose=0)
assert probabilities.shape == (10, 1) and np.all((probabilities >= 0) & (probabilities <= 1))
