# Follows: the Kaggle-style notebooks on the "Covid-19 Image Dataset" (3 classes: Covid, Normal,
#   Viral Pneumonia), e.g. those listed under
#   https://www.kaggle.com/datasets/pranavraikokte/covid19-image-dataset (Code tab)
# tf.keras spelling (`import tensorflow as tf`, `from tensorflow.keras ... import ...`).
# Exercises: ImageDataGenerator.flow_from_directory (grayscale, categorical),
#   kernel_initializer="he_normal" on Conv2D and "he_uniform" on Dense,
#   tf.keras.optimizers.RMSprop(learning_rate=...) (the class), ReduceLROnPlateau(monitor="val_loss",
#   factor=0.5, patience=1, min_lr=1e-5), evaluate -> [loss, accuracy],
#   sklearn.metrics.accuracy_score, classification_report(..., zero_division=0),
#   confusion_matrix + ConfusionMatrixDisplay(...).plot() saved with matplotlib.
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from sklearn.metrics import (ConfusionMatrixDisplay, accuracy_score, classification_report,
                             confusion_matrix)
from tensorflow.keras import layers
from tensorflow.keras.callbacks import ReduceLROnPlateau
from tensorflow.keras.preprocessing.image import ImageDataGenerator

tf.random.set_seed(21)
tf.keras.utils.set_random_seed(21)  # Keras 3: tf.random.set_seed alone leaves initial weights unseeded
IMG = (64, 64)

train_gen = ImageDataGenerator(rescale=1.0 / 255, rotation_range=10, zoom_range=0.1)
test_gen = ImageDataGenerator(rescale=1.0 / 255)
train_it = train_gen.flow_from_directory("Covid19-dataset/train", target_size=IMG,
                                         color_mode="grayscale", class_mode="categorical",
                                         batch_size=16, seed=21)
test_it = test_gen.flow_from_directory("Covid19-dataset/test", target_size=IMG,
                                       color_mode="grayscale", class_mode="categorical",
                                       batch_size=16, shuffle=False)
class_names = list(train_it.class_indices)
print("classes:", train_it.class_indices)

model = tf.keras.Sequential([
    tf.keras.Input(shape=IMG + (1,)),
    layers.Conv2D(8, 3, activation="relu", kernel_initializer="he_normal"),
    layers.MaxPooling2D(2),
    layers.Conv2D(16, 3, activation="relu", kernel_initializer="he_normal"),
    layers.MaxPooling2D(2),
    layers.Flatten(),
    layers.Dense(32, activation="relu", kernel_initializer="he_uniform"),
    layers.Dropout(0.3),
    layers.Dense(3, activation="softmax"),
])
print("initializers:", [type(l.kernel_initializer).__name__ for l in model.layers
                        if hasattr(l, "kernel_initializer")])
# he_uniform draws from [-limit, limit], limit = sqrt(6 / fan_in)
dense_kernel = model.layers[5].get_weights()[0]
limit = np.sqrt(6.0 / dense_kernel.shape[0])
print(f"Dense kernel {dense_kernel.shape}: max |w| = {np.abs(dense_kernel).max():.4f} <= {limit:.4f}")
assert np.abs(dense_kernel).max() <= limit

model.compile(optimizer=tf.keras.optimizers.RMSprop(learning_rate=0.002),
              loss="categorical_crossentropy", metrics=["accuracy"])
reduce_lr = ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=1, min_lr=1e-5, verbose=1)
history = model.fit(train_it, epochs=3, validation_data=test_it, callbacks=[reduce_lr], verbose=2)
rates = history.history["learning_rate"]
print("learning rate per epoch:", rates)
assert len(rates) == 3 and all(b <= a for a, b in zip(rates, rates[1:])) and min(rates) >= 1e-5

loss, acc = model.evaluate(test_it, verbose=0)
print(f"test loss {loss:.4f}  test accuracy {acc:.4f}")

probabilities = model.predict(test_it, verbose=0)
predicted = np.argmax(probabilities, axis=1)
true = test_it.classes
print("accuracy_score:", accuracy_score(true, predicted))
np.testing.assert_allclose(accuracy_score(true, predicted), acc, atol=1e-6)
print(classification_report(true, predicted, target_names=class_names, zero_division=0))
cm = confusion_matrix(true, predicted)
print(cm)
disp = ConfusionMatrixDisplay(confusion_matrix=cm, display_labels=class_names)
disp.plot(cmap=plt.cm.Blues)
plt.title("Covid-19 X-rays: confusion matrix")
plt.savefig("confusion_matrix.png")
plt.close()
assert cm.shape == (3, 3) and cm.sum() == 30
