"""keras.utils: to_categorical, set_random_seed, image_dataset_from_directory and the
image utilities (load_img, img_to_array, array_to_img, save_img)."""
import numpy as np

from minicnn.preprocessing.image_dataset import image_dataset_from_directory
from minicnn.preprocessing.image_utils import array_to_img, img_to_array, load_img, save_img
from minicnn.seeding import set_seed as set_random_seed


def to_categorical(y, num_classes=None, dtype="float32"):
    """One-hot rows from class indices, as Keras: (N,) -> (N, num_classes)."""
    y = np.asarray(y, dtype=np.int64)
    if y.ndim > 1 and y.shape[-1] == 1:
        y = y[..., 0]
    num_classes = int(y.max()) + 1 if num_classes is None else num_classes
    return np.eye(num_classes, dtype=dtype)[y]


__all__ = ["to_categorical", "set_random_seed", "image_dataset_from_directory", "load_img",
           "img_to_array", "array_to_img", "save_img"]
