# Follows: Machine Learning Mastery, "How to Develop a CNN for MNIST Handwritten Digit
#   Classification" (J. Brownlee), the k-fold evaluation harness and its batch-norm improvement
#   https://machinelearningmastery.com/how-to-develop-a-convolutional-neural-network-from-scratch-for-mnist-handwritten-digit-classification/
# tf.keras spelling (`from tensorflow.keras.datasets import mnist`, `from tensorflow.keras.layers import ...`).
# Exercises: mnist.load_data(), reshape to (n, 28, 28, 1), to_categorical, Conv2D and Dense with
#   kernel_initializer="he_uniform", BatchNormalization, SGD(learning_rate=0.01, momentum=0.9),
#   sklearn.model_selection.KFold(n_splits, shuffle=True, random_state=1).split(X),
#   `_, acc = model.evaluate(...)`, a model built fresh for every fold, history per fold,
#   matplotlib diagnostics and a boxplot.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import KFold
import tensorflow as tf
from tensorflow.keras.datasets import mnist
from tensorflow.keras.layers import BatchNormalization, Conv2D, Dense, Flatten, MaxPooling2D
from tensorflow.keras.models import Sequential
from tensorflow.keras.optimizers import SGD
from tensorflow.keras.utils import to_categorical

tf.random.set_seed(1)
tf.keras.utils.set_random_seed(1)  # Keras 3: tf.random.set_seed alone leaves initial weights unseeded


def load_dataset(n=300):
    (trainX, trainY), (testX, testY) = mnist.load_data()
    trainX, trainY = trainX[:n], trainY[:n]
    trainX = trainX.reshape((trainX.shape[0], 28, 28, 1))
    testX = testX.reshape((testX.shape[0], 28, 28, 1))
    return trainX, to_categorical(trainY), testX, to_categorical(testY)


def prep_pixels(train, test):
    return train.astype("float32") / 255.0, test.astype("float32") / 255.0


def define_model():
    model = Sequential()
    model.add(tf.keras.Input(shape=(28, 28, 1)))
    model.add(Conv2D(8, (3, 3), activation="relu", kernel_initializer="he_uniform"))
    model.add(BatchNormalization())
    model.add(MaxPooling2D((2, 2)))
    model.add(Flatten())
    model.add(Dense(32, activation="relu", kernel_initializer="he_uniform"))
    model.add(BatchNormalization())
    model.add(Dense(10, activation="softmax"))
    opt = SGD(learning_rate=0.01, momentum=0.9)
    model.compile(optimizer=opt, loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def evaluate_model(dataX, dataY, n_folds=3):
    scores, histories, folds = [], [], []
    kfold = KFold(n_folds, shuffle=True, random_state=1)
    for train_ix, test_ix in kfold.split(dataX):
        folds.append((len(train_ix), len(test_ix)))
        model = define_model()
        trainX, trainY, testX, testY = dataX[train_ix], dataY[train_ix], dataX[test_ix], dataY[test_ix]
        history = model.fit(trainX, trainY, epochs=1, batch_size=32,
                            validation_data=(testX, testY), verbose=0)
        _, acc = model.evaluate(testX, testY, verbose=0)
        print("> %.3f" % (acc * 100.0))
        scores.append(acc)
        histories.append(history)
    return scores, histories, folds


def summarize_diagnostics(histories):
    for i in range(len(histories)):
        plt.subplot(2, 1, 1)
        plt.title("Cross Entropy Loss")
        plt.plot(histories[i].history["loss"], color="blue", label="train")
        plt.plot(histories[i].history["val_loss"], color="orange", label="test")
        plt.subplot(2, 1, 2)
        plt.title("Classification Accuracy")
        plt.plot(histories[i].history["accuracy"], color="blue", label="train")
        plt.plot(histories[i].history["val_accuracy"], color="orange", label="test")
    plt.savefig("diagnostics.png")
    plt.close()


def summarize_performance(scores):
    print("Accuracy: mean=%.3f std=%.3f, n=%d" % (np.mean(scores) * 100, np.std(scores) * 100,
                                                  len(scores)))
    plt.boxplot(scores)
    plt.savefig("scores.png")
    plt.close()


trainX, trainY, testX, testY = load_dataset()
trainX, testX = prep_pixels(trainX, testX)
print("train:", trainX.shape, trainY.shape)
scores, histories, folds = evaluate_model(trainX, trainY)
print("fold sizes (train, test):", folds)
assert folds == [(200, 100), (200, 100), (200, 100)]
assert len(scores) == 3 and all(0.0 <= s <= 1.0 for s in scores)
assert all(sorted(h.history) == ["accuracy", "loss", "val_accuracy", "val_loss"] for h in histories)
summarize_diagnostics(histories)
summarize_performance(scores)
