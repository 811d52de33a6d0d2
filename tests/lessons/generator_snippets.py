# Lesson: loading image data with ImageDataGenerator and flow_from_directory
import tensorflow as tf
from tensorflow.keras.preprocessing.image import ImageDataGenerator

BATCH_SIZE = 16
DIRECTORY = "Covid19-dataset/train"

training_data_generator = ImageDataGenerator(
    rescale=1.0 / 255,
    zoom_range=0.1,
    rotation_range=25,
    width_shift_range=0.05,
    height_shift_range=0.05,
    validation_split=0.2)

training_iterator = training_data_generator.flow_from_directory(
    DIRECTORY, class_mode="categorical", color_mode="grayscale", batch_size=BATCH_SIZE,
    subset="training")
validation_iterator = training_data_generator.flow_from_directory(
    DIRECTORY, class_mode="categorical", color_mode="grayscale", batch_size=BATCH_SIZE,
    subset="validation")

sample_batch_input, sample_batch_labels = training_iterator.next()
print(sample_batch_input.shape, sample_batch_labels.shape)
print(training_iterator.class_indices, training_iterator.samples, validation_iterator.samples)
assert sample_batch_input.shape == (BATCH_SIZE, 256, 256, 1)
assert sample_batch_input.max() <= 1.0
assert sample_batch_labels.shape == (BATCH_SIZE, 3)

binary_generator = ImageDataGenerator(rescale=1.0 / 255, horizontal_flip=True, shear_range=0.2,
                                      brightness_range=[0.8, 1.2])
binary_iterator = binary_generator.flow_from_directory(
    DIRECTORY, target_size=(128, 128), classes=["Normal", "Pneumonia"], class_mode="binary",
    color_mode="rgb", batch_size=8)
x, y = next(binary_iterator)
assert x.shape == (8, 128, 128, 3) and set(y.tolist()) <= {0.0, 1.0}
