# Follows: Kaggle "Digit Recognizer" notebooks, chiefly Y. Ghouzam's "Introduction to CNN Keras - 0.997
#   (top 6%)": train.csv read with pandas, data split with train_test_split, a 5x5/3x3 CNN, RMSprop with
#   ReduceLROnPlateau, ImageDataGenerator augmentation, a confusion matrix, a submission CSV; with the
#   SpatialDropout2D + BatchNormalization variant of later top notebooks (C. Deotte's "How to choose CNN
#   Architecture MNIST")
#   https://www.kaggle.com/code/yassineghouzam/introduction-to-cnn-keras-0-997-top-6
#   https://www.kaggle.com/code/cdeotte/how-to-choose-cnn-architecture-mnist
# tf.keras spelling of the notebook's imports (`from tensorflow.keras...`, scikit-learn).
# Shrunk: the competition's train.csv / test.csv are written first from the 600/100-image MNIST slice in
#   KERAS_HOME (same layout: label, pixel0..pixel783); filters 32/64 -> 8/16; 2 epochs; batch 32.
# Exercises: pd.read_csv, df["label"], df.drop(labels=["label"], axis=1), value_counts, isnull().any(),
#   X / 255.0, X.values.reshape(-1, 28, 28, 1), to_categorical(num_classes=10), train_test_split(X, Y,
#   test_size=0.1, random_state=2), Conv2D(padding='Same'), MaxPool2D, SpatialDropout2D, Dropout,
#   BatchNormalization, RMSprop(learning_rate=0.001, rho=0.9, epsilon=1e-08), ReduceLROnPlateau(monitor=
#   'val_accuracy', min_lr=...), ImageDataGenerator(rotation_range, zoom_range, width/height_shift_range)
#   .fit + .flow, fit(steps_per_epoch=...), confusion_matrix, pd.Series(name="Label"), pd.concat, to_csv.
import numpy as np
import pandas as pd
import tensorflow as tf
from sklearn.metrics import confusion_matrix
from sklearn.model_selection import train_test_split
from tensorflow.keras.callbacks import ReduceLROnPlateau
from tensorflow.keras.layers import (BatchNormalization, Conv2D, Dense, Dropout, Flatten, Input,
                                     MaxPool2D, SpatialDropout2D)
from tensorflow.keras.models import Sequential
from tensorflow.keras.optimizers import RMSprop
from tensorflow.keras.preprocessing.image import ImageDataGenerator
from tensorflow.keras.utils import to_categorical

tf.random.set_seed(2)
tf.keras.utils.set_random_seed(2)

# The competition's files, made from the small MNIST slice
(x_a, y_a), (x_b, _) = tf.keras.datasets.mnist.load_data()
columns = ["pixel%d" % i for i in range(784)]
pd.concat([pd.Series(y_a, name="label"), pd.DataFrame(x_a.reshape(-1, 784), columns=columns)],
          axis=1).to_csv("train.csv", index=False)
pd.DataFrame(x_b.reshape(-1, 784), columns=columns).to_csv("test.csv", index=False)

# Load the data
train = pd.read_csv("train.csv")
test = pd.read_csv("test.csv")

Y_train = train["label"]
# Drop 'label' column
X_train = train.drop(labels=["label"], axis=1)
print(Y_train.value_counts().sort_index().to_dict())
# Check the data
print("missing values:", X_train.isnull().any().describe()["unique"], test.isnull().any().any())
assert X_train.shape == (600, 784) and test.shape == (100, 784)

# Normalize the data
X_train = X_train / 255.0
test = test / 255.0
# Reshape image in 3 dimensions (height = 28px, width = 28px , canal = 1)
X_train = X_train.values.reshape(-1, 28, 28, 1)
test = test.values.reshape(-1, 28, 28, 1)
# Encode labels to one hot vectors (ex : 2 -> [0,0,1,0,0,0,0,0,0,0])
Y_train = to_categorical(Y_train, num_classes=10)
# Split the train and the validation set for the fitting
random_seed = 2
X_train, X_val, Y_train, Y_val = train_test_split(X_train, Y_train, test_size=0.1,
                                                  random_state=random_seed)
print("X_train", X_train.shape, "X_val", X_val.shape, "Y_val", Y_val.shape)
assert X_train.shape == (540, 28, 28, 1) and Y_val.shape == (60, 10)

# Set the CNN model
# my CNN architechture is In -> [[Conv2D->relu]*2 -> MaxPool2D -> Dropout]*2 -> Flatten -> Dense -> Dropout -> Out
model = Sequential()
model.add(Input(shape=(28, 28, 1)))
model.add(Conv2D(filters=8, kernel_size=(5, 5), padding='Same', activation='relu'))
model.add(BatchNormalization())
model.add(Conv2D(filters=8, kernel_size=(5, 5), padding='Same', activation='relu'))
model.add(MaxPool2D(pool_size=(2, 2)))
model.add(SpatialDropout2D(0.25))

model.add(Conv2D(filters=16, kernel_size=(3, 3), padding='Same', activation='relu'))
model.add(BatchNormalization())
model.add(Conv2D(filters=16, kernel_size=(3, 3), padding='Same', activation='relu'))
model.add(MaxPool2D(pool_size=(2, 2), strides=(2, 2)))
model.add(SpatialDropout2D(0.25))

model.add(Flatten())
model.add(Dense(64, activation="relu"))
model.add(Dropout(0.5))
model.add(Dense(10, activation="softmax"))
print("output_shape", model.output_shape)
assert model.output_shape == (None, 10)

# SpatialDropout2D drops whole feature maps in training and is the identity at inference
maps = np.ones((1, 4, 4, 64), "float32")
dropped = np.asarray(SpatialDropout2D(0.5)(maps, training=True))
per_channel = dropped.reshape(16, 64)
assert all(len(np.unique(per_channel[:, c])) == 1 for c in range(64))  # a channel is kept or dropped whole
assert set(np.unique(dropped).tolist()) <= {0.0, 2.0}
assert np.array_equal(np.asarray(SpatialDropout2D(0.5)(maps, training=False)), maps)

# Define the optimizer
optimizer = RMSprop(learning_rate=0.001, rho=0.9, epsilon=1e-08)
# Compile the model
model.compile(optimizer=optimizer, loss="categorical_crossentropy", metrics=["accuracy"])
# Set a learning rate annealer
learning_rate_reduction = ReduceLROnPlateau(monitor='val_accuracy', patience=3, verbose=1,
                                            factor=0.5, min_lr=0.00001)
epochs = 2
batch_size = 32

# With data augmentation to prevent overfitting (accuracy 0.99286)
datagen = ImageDataGenerator(
        featurewise_center=False,  # set input mean to 0 over the dataset
        samplewise_center=False,  # set each sample mean to 0
        featurewise_std_normalization=False,  # divide inputs by std of the dataset
        samplewise_std_normalization=False,  # divide each input by its std
        zca_whitening=False,  # apply ZCA whitening
        rotation_range=10,  # randomly rotate images in the range (degrees, 0 to 180)
        zoom_range=0.1,  # Randomly zoom image
        width_shift_range=0.1,  # randomly shift images horizontally (fraction of total width)
        height_shift_range=0.1,  # randomly shift images vertically (fraction of total height)
        horizontal_flip=False,  # randomly flip images
        vertical_flip=False)  # randomly flip images
datagen.fit(X_train)

# Fit the model
history = model.fit(datagen.flow(X_train, Y_train, batch_size=batch_size),
                    epochs=epochs, validation_data=(X_val, Y_val),
                    verbose=2, steps_per_epoch=X_train.shape[0] // batch_size,
                    callbacks=[learning_rate_reduction])
print("history keys", sorted(history.history))
assert {"accuracy", "loss", "val_accuracy", "val_loss", "learning_rate"} <= set(history.history)

# Predict the values from the validation dataset
Y_pred = model.predict(X_val, verbose=0)
# Convert predictions classes to one hot vectors
Y_pred_classes = np.argmax(Y_pred, axis=1)
# Convert validation observations to one hot vectors
Y_true = np.argmax(Y_val, axis=1)
# compute the confusion matrix
confusion_mtx = confusion_matrix(Y_true, Y_pred_classes)
print(confusion_mtx.shape, "correct", np.trace(confusion_mtx), "of", confusion_mtx.sum())
assert confusion_mtx.sum() == 60

# predict results
results = model.predict(test, verbose=0)
# select the indix with the maximum probability
results = np.argmax(results, axis=1)
results = pd.Series(results, name="Label")
submission = pd.concat([pd.Series(range(1, 101), name="ImageId"), results], axis=1)
submission.to_csv("cnn_mnist_datagen.csv", index=False)
check = pd.read_csv("cnn_mnist_datagen.csv")
print(check.head(3).to_string(index=False))
assert list(check.columns) == ["ImageId", "Label"] and len(check) == 100
