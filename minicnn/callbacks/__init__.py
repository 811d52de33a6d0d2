"""What fit calls around each epoch and step: Keras's callbacks, and the progress bar.

    base.py      Callback (the hooks), History, FunctionCallback
    stopping.py  EarlyStopping
    files.py     ModelCheckpoint, CSVLogger
    progress.py  ProgressBar
"""
from minicnn.callbacks.base import Callback, FunctionCallback, History
from minicnn.callbacks.files import CSVLogger, ModelCheckpoint
from minicnn.callbacks.progress import ProgressBar
from minicnn.callbacks.stopping import EarlyStopping

__all__ = ["Callback", "FunctionCallback", "History", "EarlyStopping", "ModelCheckpoint",
           "CSVLogger", "ProgressBar"]
