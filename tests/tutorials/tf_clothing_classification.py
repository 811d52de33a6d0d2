# Follows: TensorFlow tutorial "Basic classification: Classify images of clothing"
#   https://www.tensorflow.org/tutorials/keras/classification
# tf.keras spelling (`import tensorflow as tf`).
# Exercises: tf.keras.datasets.fashion_mnist.load_data() (the 4 IDX .gz files under
#   $KERAS_HOME/datasets/fashion-mnist), Flatten + Dense, logits with
#   SparseCategoricalCrossentropy(from_logits=True), the probability model
#   tf.keras.Sequential([model, tf.keras.layers.Softmax()]) (model as a layer + Softmax),
#   tf.expand_dims to make a batch of one image, matplotlib plots saved to files.
# Data: the small Fashion-MNIST slice in tests/fixtures/keras_home (600 train / 100 test).
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

tf.random.set_seed(11)
tf.keras.utils.set_random_seed(11)  # Keras 3: tf.random.set_seed alone leaves initial weights unseeded

fashion_mnist = tf.keras.datasets.fashion_mnist
(train_images, train_labels), (test_images, test_labels) = fashion_mnist.load_data()
class_names = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
print("train images:", train_images.shape, train_images.dtype, "labels:", train_labels.shape)
print("test images:", test_images.shape)
assert train_images.shape[1:] == (28, 28) and train_images.dtype == np.uint8
assert set(np.unique(train_labels)) <= set(range(10))

plt.figure()
plt.imshow(train_images[0])
plt.colorbar()
plt.savefig("first_image.png")
plt.close()

train_images = train_images / 255.0
test_images = test_images / 255.0

plt.figure(figsize=(6, 6))
for i in range(16):
    plt.subplot(4, 4, i + 1)
    plt.xticks([])
    plt.yticks([])
    plt.imshow(train_images[i], cmap=plt.cm.binary)
    plt.xlabel(class_names[train_labels[i]])
plt.savefig("first_16.png")
plt.close()

model = tf.keras.Sequential([
    tf.keras.Input(shape=(28, 28)),
    tf.keras.layers.Flatten(),
    tf.keras.layers.Dense(64, activation="relu"),
    tf.keras.layers.Dense(10),
])
model.compile(optimizer="adam",
              loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=["accuracy"])
model.fit(train_images, train_labels, epochs=2, verbose=2)

test_loss, test_acc = model.evaluate(test_images, test_labels, verbose=2)
print("\nTest accuracy:", test_acc)
assert 0.0 <= test_acc <= 1.0

probability_model = tf.keras.Sequential([model, tf.keras.layers.Softmax()])
predictions = probability_model.predict(test_images, verbose=0)
print("predictions:", predictions.shape, "first:", np.round(predictions[0], 3))
assert predictions.shape == (len(test_images), 10)
np.testing.assert_allclose(predictions.sum(axis=1), 1.0, rtol=1e-5)
print("first test image: predicted", class_names[np.argmax(predictions[0])],
      "- true", class_names[test_labels[0]])

# one image: make a batch of one with tf.expand_dims
img = test_images[1]
print("one image:", img.shape)
img = tf.expand_dims(img, 0)
print("as a batch:", tuple(img.shape))
assert tuple(img.shape) == (1, 28, 28)
predictions_single = probability_model.predict(img, verbose=0)
print("single prediction:", np.round(predictions_single, 3))
assert predictions_single.shape == (1, 10)
np.testing.assert_allclose(predictions_single[0], predictions[1], rtol=1e-4, atol=1e-6)
print("label of test image 1:", class_names[np.argmax(predictions_single[0])])

plt.figure()
plt.bar(range(10), predictions_single[0], color="#777777")
plt.xticks(range(10), class_names, rotation=45)
plt.savefig("single_prediction.png")
plt.close()
