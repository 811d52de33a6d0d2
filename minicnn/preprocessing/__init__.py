"""A directory image loader with Keras's ImageDataGenerator semantics."""
from minicnn.preprocessing.files import IMAGE_EXTENSIONS, load_image
from minicnn.preprocessing.generator import ImageDataGenerator
from minicnn.preprocessing.iterators import DirectoryIterator, NumpyArrayIterator

__all__ = ["ImageDataGenerator", "DirectoryIterator", "NumpyArrayIterator", "load_image",
           "IMAGE_EXTENSIONS"]
# Keras 3's image utilities and tf.data-style datasets (issue 23)
from minicnn.preprocessing.dataset import AUTOTUNE, Dataset  # noqa: E402
from minicnn.preprocessing.image_dataset import image_dataset_from_directory  # noqa: E402
from minicnn.preprocessing.image_utils import (array_to_img, img_to_array, load_img,  # noqa: E402
                                               save_img)

# scikit-learn's label encoders (sklearn.preprocessing, rewritten to this package)
from minicnn.preprocessing.labels import LabelBinarizer, LabelEncoder  # noqa: E402

__all__ += ["AUTOTUNE", "Dataset", "image_dataset_from_directory", "array_to_img",
            "img_to_array", "load_img", "save_img", "LabelBinarizer", "LabelEncoder"]
