"""keras.preprocessing.image: ImageDataGenerator and its iterators (tf.keras's legacy
names), and Keras 3's load_img, img_to_array, array_to_img, save_img, smart_resize."""
from minicnn.preprocessing import DirectoryIterator, ImageDataGenerator, NumpyArrayIterator
from minicnn.preprocessing.image_utils import array_to_img, img_to_array, load_img, save_img
from minicnn.preprocessing.resize import smart_resize

__all__ = ["ImageDataGenerator", "DirectoryIterator", "NumpyArrayIterator", "load_img",
           "img_to_array", "array_to_img", "save_img", "smart_resize"]
