"""keras.preprocessing.image: ImageDataGenerator and its iterators."""
from minicnn.preprocessing import DirectoryIterator, ImageDataGenerator, NumpyArrayIterator

__all__ = ["ImageDataGenerator", "DirectoryIterator", "NumpyArrayIterator"]
