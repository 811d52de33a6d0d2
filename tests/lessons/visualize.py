# The galaxy project's feature-map visualisation
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf


def visualize_activations(model, validation_iterator):
    # Get a sample batch from the validation iterator, and one image from it
    sample_batch_input, sample_labels = validation_iterator.next()
    sample_image = sample_batch_input[0]
    sample_label = sample_labels[0]
    sample_prediction = model.predict(np.expand_dims(sample_image, 0))[0]
    print("True label:", np.argmax(sample_label), "predicted:", np.argmax(sample_prediction))

    # A model with the same input as the original, whose outputs are every conv layer's
    activation_extractor = tf.keras.Model(
        inputs=model.inputs,
        outputs=[layer.output for layer in model.layers if "conv2d" in layer.name])
    activations = activation_extractor(np.expand_dims(sample_image, 0))

    figures = []
    for i, activation in enumerate(activations):
        num_filters = activation.shape[-1]
        fig = plt.figure(figsize=(2 * num_filters, 2))
        fig.suptitle(f"conv layer {i + 1}")
        for j in range(num_filters):
            ax = fig.add_subplot(1, num_filters, j + 1)
            ax.imshow(activation[0, :, :, j], cmap="viridis")
            ax.axis("off")
        figures.append(fig)
        plt.show()
    return activations
