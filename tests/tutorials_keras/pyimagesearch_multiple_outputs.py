# Follows: PyImageSearch, "Keras: Multiple outputs and multiple losses" (A. Rosebrock, 2018): FashionNet,
#   a category branch (on a grayscale copy made by a Lambda layer) and a color branch, one loss each
#   https://pyimagesearch.com/2018/06/04/keras-multiple-outputs-and-multiple-losses/
# tf.keras spelling as the post's 2020 update (`from tensorflow.keras.layers import ...`,
#   `import tensorflow as tf`, scikit-learn's LabelBinarizer and train_test_split).
# Shrunk: the post's 2,525 clothing photos (dress/jeans/shirt x black/blue/red) are replaced by 240
#   synthetic 32x32 pictures (square / disc / bar shapes in black / blue / red on a grey background),
#   filters 16/32 -> 8/16, 3 epochs.
# Exercises: layers.Lambda(lambda c: tf.image.rgb_to_grayscale(c)), two branches from one Input,
#   Model(inputs=inputs, outputs=[categoryBranch, colorBranch], name="fashionnet"), losses and
#   loss_weights as dicts keyed by output name, metrics={"category_output": "accuracy", ...}, fit on
#   y={"category_output": ..., "color_output": ...} with validation_data, history keys per output,
#   predict returning a list of two arrays, LabelBinarizer (fit_transform, classes_), train_test_split of
#   four arrays with stratify=.
import numpy as np
import tensorflow as tf
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelBinarizer
from tensorflow.keras.layers import (Activation, BatchNormalization, Conv2D, Dense, Dropout,
                                     Flatten, Input, Lambda, MaxPooling2D)
from tensorflow.keras.models import Model
from tensorflow.keras.optimizers import Adam

tf.random.set_seed(42)
tf.keras.utils.set_random_seed(42)

# the synthetic dataset: (category, color) labels as strings, as the post's folder names
COLORS = {"black": (20, 20, 20), "blue": (30, 60, 220), "red": (220, 40, 30)}
rng = np.random.default_rng(0)
data, categoryLabels, colorLabels = [], [], []
for i in range(240):
    category = ["square", "disc", "bar"][i % 3]
    color = list(COLORS)[(i // 3) % 3]
    image = np.full((32, 32, 3), 160, dtype="float32") + rng.normal(0, 10, (32, 32, 3))
    r, c = rng.integers(9, 23, size=2)
    yy, xx = np.mgrid[:32, :32]
    if category == "square":
        mask = (abs(yy - r) <= 6) & (abs(xx - c) <= 6)
    elif category == "disc":
        mask = (yy - r) ** 2 + (xx - c) ** 2 <= 49
    else:
        mask = (abs(yy - r) <= 2) & (abs(xx - c) <= 9)
    image[mask] = COLORS[color]
    data.append(image)
    categoryLabels.append(category)
    colorLabels.append(color)
data = np.clip(np.array(data), 0, 255) / 255.0

# binarize both sets of labels
print("[INFO] binarizing labels...")
categoryLB = LabelBinarizer()
colorLB = LabelBinarizer()
categoryLabels = categoryLB.fit_transform(np.array(categoryLabels))
colorLabels = colorLB.fit_transform(np.array(colorLabels))
print("categories", list(categoryLB.classes_), "colors", list(colorLB.classes_))
assert list(categoryLB.classes_) == ["bar", "disc", "square"] and categoryLabels.shape == (240, 3)

# partition the data into training and testing splits using 80% of
# the data for training and the remaining 20% for testing
split = train_test_split(data, categoryLabels, colorLabels, test_size=0.2, random_state=42,
                         stratify=categoryLabels)
(trainX, testX, trainCategoryY, testCategoryY, trainColorY, testColorY) = split
print("train", trainX.shape, "test", testX.shape)
assert trainX.shape == (192, 32, 32, 3) and testColorY.shape == (48, 3)


class FashionNet:
    @staticmethod
    def build_category_branch(inputs, numCategories, finalAct="softmax", chanDim=-1):
        # utilize a lambda layer to convert the 3 channel input to a
        # grayscale representation
        x = Lambda(lambda c: tf.image.rgb_to_grayscale(c))(inputs)
        # CONV => RELU => POOL
        x = Conv2D(8, (3, 3), padding="same")(x)
        x = Activation("relu")(x)
        x = BatchNormalization(axis=chanDim)(x)
        x = MaxPooling2D(pool_size=(3, 3))(x)
        x = Dropout(0.25)(x)
        # (CONV => RELU) * 2 => POOL
        x = Conv2D(16, (3, 3), padding="same")(x)
        x = Activation("relu")(x)
        x = BatchNormalization(axis=chanDim)(x)
        x = MaxPooling2D(pool_size=(2, 2))(x)
        x = Dropout(0.25)(x)
        # define a branch of output layers for the number of different
        # clothing categories (i.e., shirts, jeans, dresses, etc.)
        x = Flatten()(x)
        x = Dense(32)(x)
        x = Activation("relu")(x)
        x = BatchNormalization()(x)
        x = Dropout(0.5)(x)
        x = Dense(numCategories)(x)
        x = Activation(finalAct, name="category_output")(x)
        # return the category prediction sub-network
        return x

    @staticmethod
    def build_color_branch(inputs, numColors, finalAct="softmax", chanDim=-1):
        # CONV => RELU => POOL
        x = Conv2D(8, (3, 3), padding="same")(inputs)
        x = Activation("relu")(x)
        x = BatchNormalization(axis=chanDim)(x)
        x = MaxPooling2D(pool_size=(3, 3))(x)
        x = Dropout(0.25)(x)
        # define a branch of output layers for the number of different
        # colors (i.e., red, black, blue, etc.)
        x = Flatten()(x)
        x = Dense(32)(x)
        x = Activation("relu")(x)
        x = BatchNormalization()(x)
        x = Dropout(0.5)(x)
        x = Dense(numColors)(x)
        x = Activation(finalAct, name="color_output")(x)
        # return the color prediction sub-network
        return x

    @staticmethod
    def build(width, height, numCategories, numColors, finalAct="softmax"):
        # initialize the input shape and channel dimension (this code
        # assumes you are using TensorFlow which utilizes channels
        # last ordering)
        inputShape = (height, width, 3)
        chanDim = -1
        # construct both the "category" and "color" sub-networks
        inputs = Input(shape=inputShape)
        categoryBranch = FashionNet.build_category_branch(inputs, numCategories, finalAct=finalAct,
                                                          chanDim=chanDim)
        colorBranch = FashionNet.build_color_branch(inputs, numColors, finalAct=finalAct,
                                                    chanDim=chanDim)
        # create the model using our input (the batch of images) and
        # two separate outputs -- one for the clothing category
        # branch and another for the color branch, respectively
        model = Model(inputs=inputs, outputs=[categoryBranch, colorBranch], name="fashionnet")
        # return the constructed network architecture
        return model


EPOCHS = 3
INIT_LR = 1e-3
BS = 32
model = FashionNet.build(32, 32, numCategories=len(categoryLB.classes_),
                         numColors=len(colorLB.classes_), finalAct="softmax")
print("outputs:", model.output_names if hasattr(model, "output_names") else None, model.output_shape)
assert model.output_shape == [(None, 3), (None, 3)]

# define two dictionaries: one that specifies the loss method for
# each output of the network along with a second dictionary that
# specifies the weight per loss
losses = {
    "category_output": "categorical_crossentropy",
    "color_output": "categorical_crossentropy",
}
lossWeights = {"category_output": 1.0, "color_output": 1.0}
# initialize the optimizer and compile the model
print("[INFO] compiling model...")
opt = Adam(learning_rate=INIT_LR)
model.compile(optimizer=opt, loss=losses, loss_weights=lossWeights,
              metrics={"category_output": "accuracy", "color_output": "accuracy"})

# train the network to perform multi-output classification
H = model.fit(x=trainX,
              y={"category_output": trainCategoryY, "color_output": trainColorY},
              validation_data=(testX, {"category_output": testCategoryY, "color_output": testColorY}),
              epochs=EPOCHS, batch_size=BS, verbose=0)
print("history keys:", sorted(H.history))
for key in ["loss", "category_output_loss", "color_output_loss", "category_output_accuracy",
            "color_output_accuracy", "val_loss", "val_color_output_accuracy"]:
    assert key in H.history, key
print("color accuracy per epoch:", np.round(H.history["color_output_accuracy"], 3))
assert H.history["loss"][-1] < H.history["loss"][0]

# classify one image, as classify.py does
(categoryProba, colorProba) = model.predict(testX[:1], verbose=0)
categoryIdx = categoryProba[0].argmax()
colorIdx = colorProba[0].argmax()
categoryLabel = categoryLB.classes_[categoryIdx]
colorLabel = colorLB.classes_[colorIdx]
print("category: {} ({:.2f}%)".format(categoryLabel, categoryProba[0][categoryIdx] * 100))
print("color: {} ({:.2f}%)".format(colorLabel, colorProba[0][colorIdx] * 100))
assert categoryProba.shape == (1, 3) and colorProba.shape == (1, 3)
