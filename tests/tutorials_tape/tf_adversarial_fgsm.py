# Follows: TensorFlow tutorial "Adversarial example using FGSM"
#   https://www.tensorflow.org/tutorials/generative/adversarial_fgsm
# tf.keras spelling (`import tensorflow as tf`).
# Shrunk: the pretrained MobileNetV2 on ImageNet is replaced by a small CNN trained 3 epochs on the
#   600-image MNIST slice, with inputs in [-1, 1] as MobileNetV2 expects; the tutorial's one image is the
#   first test digit.
# Exercises: tf.keras.losses.CategoricalCrossentropy() called on tensors, tf.GradientTape with
#   tape.watch(input_image) on a tensor (not a variable), tape.gradient w.r.t. the input, tf.sign,
#   tf.one_hot + tf.reshape for the label, tf.convert_to_tensor, tf.cast, tf.newaxis, tf.clip_by_value,
#   model(x) on a tensor, tf.argmax, .numpy(), the tutorial's epsilon loop.
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

tf.random.set_seed(0)
tf.keras.utils.set_random_seed(0)

(x_train, y_train), (x_test, y_test) = tf.keras.datasets.mnist.load_data()
x_train = x_train[..., np.newaxis].astype("float32") / 127.5 - 1.0  # [-1, 1] like MobileNetV2
x_test = x_test[..., np.newaxis].astype("float32") / 127.5 - 1.0

pretrained_model = tf.keras.Sequential([
    tf.keras.Input(shape=(28, 28, 1)),
    tf.keras.layers.Conv2D(16, 3, activation="relu"),
    tf.keras.layers.MaxPooling2D(),
    tf.keras.layers.Flatten(),
    tf.keras.layers.Dense(10, activation="softmax"),
])
pretrained_model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
pretrained_model.fit(x_train, y_train, epochs=3, batch_size=32, verbose=0)
pretrained_model.trainable = False


# Helper function to extract labels from probability vector
def get_imagenet_label(probs):
    index = int(tf.argmax(probs[0]))
    return index, float(probs[0][index])


image = tf.convert_to_tensor(x_test[0])
image = tf.cast(image, tf.float32)
image = image[tf.newaxis, ...]
image_probs = pretrained_model(image)
print("image", tuple(image.shape), image.dtype.name)
label, confidence = get_imagenet_label(image_probs)
print(f"original: {label} : {confidence * 100:.2f}% Confidence (true {y_test[0]})")

loss_object = tf.keras.losses.CategoricalCrossentropy()


def create_adversarial_pattern(input_image, input_label):
    with tf.GradientTape() as tape:
        tape.watch(input_image)
        prediction = pretrained_model(input_image)
        loss = loss_object(input_label, prediction)

    # Get the gradients of the loss w.r.t to the input image.
    gradient = tape.gradient(loss, input_image)
    # Get the sign of the gradients to create the perturbation
    signed_grad = tf.sign(gradient)
    return signed_grad


# Get the input label of the image.
labrador_retriever_index = int(y_test[0])
label = tf.one_hot(labrador_retriever_index, image_probs.shape[-1])
label = tf.reshape(label, (1, image_probs.shape[-1]))

perturbations = create_adversarial_pattern(image, label)
plt.imshow(perturbations[0] * 0.5 + 0.5)  # To change [-1, 1] to [0,1]
plt.savefig("perturbation.png")
plt.close()
values = np.unique(perturbations.numpy())
print("perturbation", tuple(perturbations.shape), "values", values)
assert tuple(perturbations.shape) == (1, 28, 28, 1)
assert set(values.tolist()) <= {-1.0, 0.0, 1.0} and len(values) >= 2


def display_images(image, description):
    label, confidence = get_imagenet_label(pretrained_model.predict(image, verbose=0))
    plt.figure()
    plt.imshow(image[0] * 0.5 + 0.5)
    plt.title("{} \n {} : {:.2f}% Confidence".format(description, label, confidence * 100))
    plt.savefig(description.replace(" ", "_").replace("=", "") + ".png")
    plt.close()
    return label, confidence


epsilons = [0, 0.01, 0.1, 0.15]
descriptions = [("Epsilon = {:0.3f}".format(eps) if eps else "Input") for eps in epsilons]
true_probability = []
for i, eps in enumerate(epsilons):
    adv_x = image + eps * perturbations
    adv_x = tf.clip_by_value(adv_x, -1, 1)
    label_i, confidence = display_images(adv_x, descriptions[i])
    p_true = float(pretrained_model(adv_x)[0][labrador_retriever_index])
    true_probability.append(p_true)
    print(f"{descriptions[i]}: predicted {label_i} ({confidence * 100:.2f}%), "
          f"probability of the true class {p_true:.4f}")
    assert float(tf.reduce_max(adv_x)) <= 1.0 and float(tf.reduce_min(adv_x)) >= -1.0

# The attack raises the loss: the true class loses probability as epsilon grows
assert true_probability[-1] < true_probability[0]

# On a batch: accuracy before and after the attack
labels = tf.one_hot(y_test[:50], 10)
batch = tf.convert_to_tensor(x_test[:50])
adversarial = tf.clip_by_value(batch + 0.15 * create_adversarial_pattern(batch, labels), -1, 1)
clean = np.mean(np.argmax(pretrained_model.predict(batch, verbose=0), axis=1) == y_test[:50])
attacked = np.mean(np.argmax(pretrained_model.predict(adversarial, verbose=0), axis=1) == y_test[:50])
print(f"accuracy on 50 test digits: clean {clean:.2f}, FGSM eps=0.15 {attacked:.2f}")
assert attacked < clean
