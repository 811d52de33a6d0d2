"""keras.callbacks: minicnn's callbacks (minicnn/training/callbacks)."""
from minicnn.compat.missing import missing_names
from minicnn.training.callbacks import (Callback, CallbackList, CSVLogger, EarlyStopping, History,
                                        LambdaCallback, LearningRateScheduler, ModelCheckpoint,
                                        ProgbarLogger, ReduceLROnPlateau, TensorBoard,
                                        TerminateOnNaN)

__all__ = ["Callback", "CallbackList", "CSVLogger", "EarlyStopping", "History", "LambdaCallback",
           "LearningRateScheduler", "ModelCheckpoint", "ProgbarLogger", "ReduceLROnPlateau",
           "TensorBoard", "TerminateOnNaN"]

HINTS = {
    "BackupAndRestore": "ModelCheckpoint saves the model after each epoch; `minicnn train "
                        "--resume` continues an interrupted run from its checkpoint.",
    "RemoteMonitor": "minicnn sends nothing over the network; CSVLogger writes the logs to a "
                     "file, TensorBoard to event files.",
    "SwapEMAWeights": "minicnn keeps no moving average of the weights.",
    "OrbaxCheckpoint": "ModelCheckpoint saves the model (.keras, .h5 or minicnn's .npz).",
}
__getattr__ = missing_names("keras.callbacks", HINTS, __all__)
