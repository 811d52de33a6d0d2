# Follows: keras.io guide "Writing your own callbacks" (S. Zhu, F. Chollet) and the LambdaCallback page
#   https://keras.io/guides/writing_your_own_callbacks/
#   https://keras.io/api/callbacks/lambda_callback/
# Keras 3 spelling (`import keras`).
# Shrunk: the guide's MNIST regressor (Dense(1) on the digit value, mean squared error) on the 600-image
#   slice; 2-3 epochs; batch 128.
# Exercises: a Callback overriding every on_* hook and printing its logs' keys, used by fit, by
#   evaluate(callbacks=[...]) and by predict(callbacks=[...]); LossAndErrorPrintingCallback reading
#   logs["loss"] and logs["mean_absolute_error"]; EarlyStoppingAtMinLoss with self.model.get_weights /
#   set_weights and self.model.stop_training; CustomLearningRateScheduler reading and setting
#   self.model.optimizer.learning_rate; LambdaCallback(on_epoch_begin / on_batch_end / on_train_end),
#   json logging through a LambdaCallback, self.params.
import json

import numpy as np
import keras

keras.utils.set_random_seed(1)


# Define the Keras model to add callbacks to
def get_model():
    model = keras.Sequential()
    model.add(keras.layers.Dense(1))
    model.compile(
        optimizer=keras.optimizers.RMSprop(learning_rate=0.1),
        loss="mean_squared_error",
        metrics=["mean_absolute_error"],
    )
    return model


# Load example MNIST data and pre-process it
(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
x_train = x_train.reshape(-1, 784).astype("float32") / 255.0
x_test = x_test.reshape(-1, 784).astype("float32") / 255.0

# Limit the data to 400 samples
x_train = x_train[:400]
y_train = y_train[:400]
x_test = x_test[:100]
y_test = y_test[:100]

calls = []


class CustomCallback(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        keys = list(logs.keys())
        calls.append("on_train_begin")
        print("Starting training; got log keys: {}".format(keys))

    def on_train_end(self, logs=None):
        keys = list(logs.keys())
        calls.append("on_train_end")
        print("Stop training; got log keys: {}".format(keys))

    def on_epoch_begin(self, epoch, logs=None):
        keys = list(logs.keys())
        calls.append("on_epoch_begin")
        print("Start epoch {} of training; got log keys: {}".format(epoch, keys))

    def on_epoch_end(self, epoch, logs=None):
        keys = list(logs.keys())
        calls.append("on_epoch_end")
        print("End epoch {} of training; got log keys: {}".format(epoch, keys))

    def on_test_begin(self, logs=None):
        keys = list(logs.keys())
        calls.append("on_test_begin")
        print("Start testing; got log keys: {}".format(keys))

    def on_test_end(self, logs=None):
        keys = list(logs.keys())
        calls.append("on_test_end")
        print("Stop testing; got log keys: {}".format(keys))

    def on_predict_begin(self, logs=None):
        keys = list(logs.keys())
        calls.append("on_predict_begin")
        print("Start predicting; got log keys: {}".format(keys))

    def on_predict_end(self, logs=None):
        keys = list(logs.keys())
        calls.append("on_predict_end")
        print("Stop predicting; got log keys: {}".format(keys))

    def on_train_batch_begin(self, batch, logs=None):
        calls.append("on_train_batch_begin")

    def on_train_batch_end(self, batch, logs=None):
        calls.append("on_train_batch_end")

    def on_test_batch_begin(self, batch, logs=None):
        calls.append("on_test_batch_begin")

    def on_test_batch_end(self, batch, logs=None):
        calls.append("on_test_batch_end")

    def on_predict_batch_begin(self, batch, logs=None):
        calls.append("on_predict_batch_begin")

    def on_predict_batch_end(self, batch, logs=None):
        calls.append("on_predict_batch_end")


model = get_model()
model.fit(
    x_train,
    y_train,
    batch_size=128,
    epochs=1,
    verbose=0,
    validation_split=0.5,
    callbacks=[CustomCallback()],
)
fit_calls = list(calls)
res = model.evaluate(
    x_test, y_test, batch_size=128, verbose=0, callbacks=[CustomCallback()]
)
res = model.predict(x_test, batch_size=128, callbacks=[CustomCallback()], verbose=0)
print("hooks called:", {name: calls.count(name) for name in dict.fromkeys(calls)})
assert fit_calls[0] == "on_train_begin" and fit_calls[-1] == "on_train_end"
assert fit_calls.count("on_train_batch_end") == 2 and fit_calls.count("on_test_batch_end") == 2
assert calls.count("on_test_begin") == 2  # validation during fit, then evaluate
assert calls.count("on_predict_begin") == 1 and calls.count("on_predict_batch_end") == 1
assert res.shape == (100, 1)


class LossAndErrorPrintingCallback(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        print("Up to batch {}, the average loss is {:7.2f}.".format(batch, logs["loss"]))

    def on_test_batch_end(self, batch, logs=None):
        print("Up to batch {}, the average loss is {:7.2f}.".format(batch, logs["loss"]))

    def on_epoch_end(self, epoch, logs=None):
        print(
            "The average loss for epoch {} is {:7.2f} "
            "and mean absolute error is {:7.2f}.".format(
                epoch, logs["loss"], logs["mean_absolute_error"]
            )
        )


model = get_model()
model.fit(x_train, y_train, batch_size=128, epochs=2, verbose=0,
          callbacks=[LossAndErrorPrintingCallback()])
res = model.evaluate(x_test, y_test, batch_size=128, verbose=0,
                     callbacks=[LossAndErrorPrintingCallback()])


class EarlyStoppingAtMinLoss(keras.callbacks.Callback):
    """Stop training when the loss is at its min, i.e. the loss stops decreasing."""

    def __init__(self, patience=0):
        super().__init__()
        self.patience = patience
        # best_weights to store the weights at which the minimum loss occurs.
        self.best_weights = None

    def on_train_begin(self, logs=None):
        # The number of epoch it has waited when loss is no longer minimum.
        self.wait = 0
        # The epoch the training stops at.
        self.stopped_epoch = 0
        # Initialize the best as infinity.
        self.best = np.inf

    def on_epoch_end(self, epoch, logs=None):
        current = logs.get("loss")
        if np.less(current, self.best):
            self.best = current
            self.wait = 0
            # Record the best weights if current results is better (less).
            self.best_weights = self.model.get_weights()
        else:
            self.wait += 1
            if self.wait >= self.patience:
                self.stopped_epoch = epoch
                self.model.stop_training = True
                print("Restoring model weights from the end of the best epoch.")
                self.model.set_weights(self.best_weights)

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")


model = get_model()
stopper = EarlyStoppingAtMinLoss()
history = model.fit(x_train, y_train, batch_size=64, steps_per_epoch=5, epochs=30, verbose=0,
                    callbacks=[LossAndErrorPrintingCallback(), stopper])
print("epochs run:", len(history.history["loss"]), "best loss %.2f" % stopper.best)
assert len(history.history["loss"]) < 30 and stopper.model is model

LR_SCHEDULE = [
    # (epoch to start, learning rate) tuples
    (1, 0.05),
    (2, 0.01),
]


def lr_schedule(epoch, lr):
    """Helper function to retrieve the scheduled learning rate based on epoch."""
    if epoch < LR_SCHEDULE[0][0] or epoch > LR_SCHEDULE[-1][0]:
        return lr
    for i in range(len(LR_SCHEDULE)):
        if epoch == LR_SCHEDULE[i][0]:
            return LR_SCHEDULE[i][1]
    return lr


class CustomLearningRateScheduler(keras.callbacks.Callback):
    def __init__(self, schedule):
        super().__init__()
        self.schedule = schedule

    def on_epoch_begin(self, epoch, logs=None):
        if not hasattr(self.model.optimizer, "learning_rate"):
            raise ValueError('Optimizer must have a "learning_rate" attribute.')
        # Get the current learning rate from model's optimizer.
        lr = self.model.optimizer.learning_rate
        # Call schedule function to get the scheduled learning rate.
        scheduled_lr = self.schedule(epoch, lr)
        # Set the value back to the optimizer before this epoch starts
        self.model.optimizer.learning_rate = scheduled_lr
        print(f"\nEpoch {epoch}: Learning rate is {float(np.array(scheduled_lr)):6.4f}.")


model = get_model()
model.fit(x_train, y_train, batch_size=64, epochs=3, verbose=0,
          callbacks=[CustomLearningRateScheduler(lr_schedule)])
print("final learning rate %.4f" % float(np.array(model.optimizer.learning_rate)))
assert np.isclose(float(np.array(model.optimizer.learning_rate)), 0.01)

# LambdaCallback, as on its API page
epochs_seen, batches_seen = [], []
json_log = open("loss_log.json", mode="wt", buffering=1)
json_logging_callback = keras.callbacks.LambdaCallback(
    on_epoch_end=lambda epoch, logs: json_log.write(
        json.dumps({"epoch": epoch, "loss": logs["loss"]}) + "\n"),
    on_train_end=lambda logs: json_log.close()
)
batch_print_callback = keras.callbacks.LambdaCallback(
    on_epoch_begin=lambda epoch, logs: epochs_seen.append(epoch),
    on_batch_end=lambda batch, logs: batches_seen.append(batch))
params_seen = {}
params_callback = keras.callbacks.LambdaCallback(
    on_train_begin=lambda logs: params_seen.update(params_callback.params))
model = get_model()
model.fit(x_train, y_train, batch_size=100, epochs=2, verbose=0,
          callbacks=[batch_print_callback, json_logging_callback, params_callback])
with open("loss_log.json") as file:
    lines = [json.loads(line) for line in file]
print("LambdaCallback: epochs", epochs_seen, "batches", batches_seen, "json lines", len(lines),
      "params", params_seen)
assert epochs_seen == [0, 1] and batches_seen == [0, 1, 2, 3] * 2
assert [line["epoch"] for line in lines] == [0, 1] and json_log.closed
assert params_seen["epochs"] == 2 and params_seen["steps"] == 4
