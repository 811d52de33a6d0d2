"""keras.preprocessing."""
from minicnn.keras.preprocessing import image

__all__ = ["image"]
