"""A directory image loader with Keras's ImageDataGenerator semantics."""
from minicnn.preprocessing.files import IMAGE_EXTENSIONS, load_image
from minicnn.preprocessing.generator import ImageDataGenerator
from minicnn.preprocessing.iterators import DirectoryIterator, NumpyArrayIterator

__all__ = ["ImageDataGenerator", "DirectoryIterator", "NumpyArrayIterator", "load_image",
           "IMAGE_EXTENSIONS"]
