"""keras.preprocessing: the image module and image_dataset_from_directory."""
from minicnn.compat.keras.preprocessing import image
from minicnn.preprocessing.image_dataset import image_dataset_from_directory

__all__ = ["image", "image_dataset_from_directory"]
