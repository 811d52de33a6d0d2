"""What fit calls around each epoch and step: Keras's callbacks, and the progress bar.

    base.py           Callback (the hooks), History, FunctionCallback
    stopping.py       EarlyStopping
    files.py          ModelCheckpoint, CSVLogger
    learning_rate.py  ReduceLROnPlateau, LearningRateScheduler
    progress.py       ProgressBar
    lists.py          CallbackList (a fit's callbacks, called together with Keras's logs)
    lambda_callback.py  LambdaCallback;  monitoring.py  ProgbarLogger, TerminateOnNaN
    tensorboard.py    TensorBoard (event_files.py: the event files, written without TensorFlow)
"""
from minicnn.training.callbacks.base import Callback, FunctionCallback, History
from minicnn.training.callbacks.files import CSVLogger, ModelCheckpoint
from minicnn.training.callbacks.learning_rate import LearningRateScheduler, ReduceLROnPlateau
from minicnn.training.callbacks.progress import ProgressBar
from minicnn.training.callbacks.stopping import EarlyStopping
from minicnn.training.callbacks.lambda_callback import LambdaCallback
from minicnn.training.callbacks.lists import CallbackList
from minicnn.training.callbacks.monitoring import ProgbarLogger, TerminateOnNaN
from minicnn.training.callbacks.tensorboard import TensorBoard

__all__ = ["Callback", "FunctionCallback", "History", "EarlyStopping", "ModelCheckpoint",
           "CSVLogger", "ReduceLROnPlateau", "LearningRateScheduler", "ProgressBar",
           "LambdaCallback", "CallbackList", "ProgbarLogger", "TerminateOnNaN", "TensorBoard"]
