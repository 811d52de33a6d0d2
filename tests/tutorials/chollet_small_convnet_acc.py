# Follows: F. Chollet, "Deep Learning with Python" (1st ed.), section 5.2 "Training a convnet
#   from scratch on a small dataset" (cats vs dogs; here Normal vs Pneumonia of the X-ray sample):
#   https://github.com/fchollet/deep-learning-with-python-notebooks/blob/master/first_edition/5.2-using-convnets-with-small-datasets.ipynb
# tf.keras spelling of the book's `from keras import layers, models, optimizers` (in Keras 3,
# ImageDataGenerator is only under tf.keras: keras.preprocessing.image has no ImageDataGenerator;
# fit_generator is gone, so fit takes the generators; the optimizer's old `lr=` is `learning_rate=`).
# Exercises: metrics=["acc"] - logged as "acc"/"val_acc" (history.history["acc"]),
#   optimizers.RMSprop(learning_rate=1e-4), binary_crossentropy + sigmoid,
#   ImageDataGenerator(rescale=1./255).flow_from_directory(classes=[...], class_mode="binary"),
#   the iterator's data_batch/labels_batch shapes, training/validation curves with matplotlib.
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from tensorflow.keras import layers, models, optimizers
from tensorflow.keras.preprocessing.image import ImageDataGenerator

tf.random.set_seed(1)
tf.keras.utils.set_random_seed(1)  # Keras 3: tf.random.set_seed alone leaves initial weights unseeded
model = models.Sequential()
model.add(tf.keras.Input(shape=(64, 64, 3)))
model.add(layers.Conv2D(8, (3, 3), activation="relu"))
model.add(layers.MaxPooling2D((2, 2)))
model.add(layers.Conv2D(16, (3, 3), activation="relu"))
model.add(layers.MaxPooling2D((2, 2)))
model.add(layers.Flatten())
model.add(layers.Dense(32, activation="relu"))
model.add(layers.Dense(1, activation="sigmoid"))
model.summary()
model.compile(loss="binary_crossentropy", optimizer=optimizers.RMSprop(learning_rate=1e-4),
              metrics=["acc"])

train_datagen = ImageDataGenerator(rescale=1.0 / 255)
test_datagen = ImageDataGenerator(rescale=1.0 / 255)
train_generator = train_datagen.flow_from_directory("Covid19-dataset/train", target_size=(64, 64),
                                                    classes=["Normal", "Pneumonia"], batch_size=10,
                                                    class_mode="binary")
validation_generator = test_datagen.flow_from_directory("Covid19-dataset/test", target_size=(64, 64),
                                                        classes=["Normal", "Pneumonia"],
                                                        batch_size=10, class_mode="binary")
for data_batch, labels_batch in train_generator:
    print("data batch shape:", data_batch.shape)
    print("labels batch shape:", labels_batch.shape)
    assert data_batch.shape == (10, 64, 64, 3) and labels_batch.shape == (10,)
    assert set(np.unique(labels_batch)) <= {0.0, 1.0}
    break

history = model.fit(train_generator, steps_per_epoch=6, epochs=3,
                    validation_data=validation_generator, validation_steps=2, verbose=2)
print("history keys:", sorted(history.history))
acc = history.history["acc"]
val_acc = history.history["val_acc"]
loss = history.history["loss"]
val_loss = history.history["val_loss"]
assert sorted(history.history) == ["acc", "loss", "val_acc", "val_loss"]

epochs = range(1, len(acc) + 1)
plt.plot(epochs, acc, "bo", label="Training acc")
plt.plot(epochs, val_acc, "b", label="Validation acc")
plt.title("Training and validation accuracy")
plt.legend()
plt.figure()
plt.plot(epochs, loss, "bo", label="Training loss")
plt.plot(epochs, val_loss, "b", label="Validation loss")
plt.title("Training and validation loss")
plt.legend()
plt.savefig("curves.png")
plt.close("all")
print("final acc %.3f, val_acc %.3f" % (acc[-1], val_acc[-1]))
