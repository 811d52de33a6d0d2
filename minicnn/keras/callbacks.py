"""keras.callbacks."""
from minicnn.callbacks import Callback, CSVLogger, EarlyStopping, History, ModelCheckpoint

__all__ = ["Callback", "CSVLogger", "EarlyStopping", "History", "ModelCheckpoint"]
