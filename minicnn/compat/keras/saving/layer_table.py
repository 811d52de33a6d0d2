"""The layers minicnn and Keras both have: each one's Keras config, and back.

One row per layer (``LAYERS``): Keras's class name, minicnn's class (looked up
by name in minicnn.layers, so a layer added there later slots in), and every
argument Keras writes into the layer's config with Keras's default value.

Reading a Keras config, each argument goes to minicnn's class when its
constructor takes it; otherwise it must hold the one value minicnn computes
with (Keras's default: ``dilation_rate=(1, 1)``, ``data_format="channels_last"``,
...), or the layer is refused with a message naming the argument. Initializers
are dropped when minicnn's class has no such argument (the file's weights
replace them anyway); a regularizer or constraint minicnn cannot apply is
dropped with a warning. Writing, the same table gives every argument Keras
expects, from the layer's own config where it has one.
"""
import inspect
import re
import warnings

import numpy as np

REQUIRED = object()  # an argument Keras's class has no default for (Dense's units)

_CONV = {"filters": REQUIRED, "kernel_size": REQUIRED, "strides": (1, 1), "padding": "valid",
         "data_format": "channels_last", "dilation_rate": (1, 1), "groups": 1,
         "activation": None, "use_bias": True, "kernel_initializer": "GlorotUniform",
         "bias_initializer": "Zeros", "kernel_regularizer": None, "bias_regularizer": None,
         "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None}
_POOL = {"pool_size": (2, 2), "strides": None, "padding": "valid", "data_format": "channels_last"}
_IMAGE = {"data_format": "channels_last"}
_RANDOM_IMAGE = {"fill_mode": "reflect", "fill_value": 0.0, "interpolation": "bilinear",
                 "seed": None, "data_format": "channels_last"}
_COLOR = {"value_range": (0, 255), "seed": None}


def _weights(*names, initializers=("GlorotUniform", "Zeros"), activity=True):
    """The initializer, regularizer and constraint arguments of weights ``names``
    (Keras's defaults: the first a kernel, the second a bias, unless given)."""
    return {**{f"{name}_initializer": init for name, init in zip(names, initializers)},
            **{f"{name}_regularizer": None for name in names},
            **({"activity_regularizer": None} if activity else {}),
            **{f"{name}_constraint": None for name in names}}


# Keras class name -> (minicnn class name, {Keras argument: Keras's default}).
LAYERS = {
    "Conv2D": ("Conv2D", _CONV),
    "Dense": ("Dense", {"units": REQUIRED, "activation": None, "use_bias": True,
                        "kernel_initializer": "GlorotUniform", "bias_initializer": "Zeros",
                        "kernel_regularizer": None, "bias_regularizer": None,
                        "activity_regularizer": None, "kernel_constraint": None,
                        "bias_constraint": None, "quantization_config": None}),
    "MaxPooling2D": ("MaxPooling2D", _POOL),
    "AveragePooling2D": ("AveragePooling2D", _POOL),
    "GlobalAveragePooling2D": ("GlobalAveragePooling2D", {**_IMAGE, "keepdims": False}),
    "Flatten": ("Flatten", _IMAGE),
    "Dropout": ("Dropout", {"rate": REQUIRED, "seed": None, "noise_shape": None}),
    "Activation": ("Activation", {"activation": REQUIRED}),
    "ReLU": ("ReLU", {"max_value": None, "negative_slope": 0.0, "threshold": 0.0}),
    "Softmax": ("Softmax", {"axis": -1}),
    "BatchNormalization": ("BatchNormalization", {
        "axis": -1, "momentum": 0.99, "epsilon": 0.001, "center": True, "scale": True,
        "beta_initializer": "Zeros", "gamma_initializer": "Ones",
        "moving_mean_initializer": "Zeros", "moving_variance_initializer": "Ones",
        "beta_regularizer": None, "gamma_regularizer": None, "beta_constraint": None,
        "gamma_constraint": None, "synchronized": False, "renorm": False,
        "renorm_clipping": None, "renorm_momentum": 0.99}),
    "SeparableConv2D": ("SeparableConv2D", {
        "depth_multiplier": 1, "filters": REQUIRED, "kernel_size": REQUIRED, "strides": (1, 1),
        "padding": "valid", "data_format": "channels_last", "dilation_rate": (1, 1),
        "activation": None, "use_bias": True, "depthwise_initializer": "GlorotUniform",
        "pointwise_initializer": "GlorotUniform", "bias_initializer": "Zeros",
        "depthwise_regularizer": None, "pointwise_regularizer": None, "bias_regularizer": None,
        "activity_regularizer": None, "depthwise_constraint": None, "pointwise_constraint": None,
        "bias_constraint": None}),
    "Rescaling": ("Rescaling", {"scale": REQUIRED, "offset": 0.0}),
    "RandomFlip": ("RandomFlip", {"mode": "horizontal_and_vertical", "seed": None, **_IMAGE}),
    "RandomRotation": ("RandomRotation", {"factor": REQUIRED, **_RANDOM_IMAGE}),
    "RandomZoom": ("RandomZoom", {"height_factor": REQUIRED, "width_factor": None,
                                  **_RANDOM_IMAGE}),
    "DepthwiseConv2D": ("DepthwiseConv2D", {
        "depth_multiplier": 1, "kernel_size": REQUIRED, "strides": (1, 1), "padding": "valid",
        "data_format": "channels_last", "dilation_rate": (1, 1), "activation": None,
        "use_bias": True, **_weights("depthwise", "bias")}),
    "Conv2DTranspose": ("Conv2DTranspose", {
        "filters": REQUIRED, "kernel_size": REQUIRED, "strides": (1, 1), "padding": "valid",
        "output_padding": None, "data_format": "channels_last", "dilation_rate": (1, 1),
        "activation": None, "use_bias": True, **_weights("kernel", "bias")}),
    **{name: (name, {}) for name in ("Add", "Subtract", "Multiply", "Average", "Maximum",
                                     "Minimum", "Identity")},
    "Concatenate": ("Concatenate", {"axis": -1}),
    "Dot": ("Dot", {"axes": REQUIRED, "normalize": False}),
    "LayerNormalization": ("LayerNormalization", {
        "axis": -1, "epsilon": 0.001, "center": True, "scale": True, "rms_scaling": False,
        **_weights("beta", "gamma", initializers=("Zeros", "Ones"), activity=False)}),
    "GroupNormalization": ("GroupNormalization", {
        "groups": 32, "axis": -1, "epsilon": 0.001, "center": True, "scale": True,
        **_weights("beta", "gamma", initializers=("Zeros", "Ones"), activity=False)}),
    "UnitNormalization": ("UnitNormalization", {"axis": -1}),
    "GlobalMaxPooling2D": ("GlobalMaxPooling2D", {**_IMAGE, "keepdims": False}),
    "LeakyReLU": ("LeakyReLU", {"negative_slope": 0.3}),
    "ELU": ("ELU", {"alpha": 1.0}),
    "PReLU": ("PReLU", {"alpha_initializer": "Zeros", "alpha_regularizer": None,
                        "alpha_constraint": None, "shared_axes": None}),
    "Reshape": ("Reshape", {"target_shape": REQUIRED}),
    "Permute": ("Permute", {"dims": REQUIRED}),
    "ZeroPadding2D": ("ZeroPadding2D", {"padding": ((1, 1), (1, 1)), **_IMAGE}),
    "Cropping2D": ("Cropping2D", {"cropping": ((0, 0), (0, 0)), **_IMAGE}),
    "UpSampling2D": ("UpSampling2D", {"size": (2, 2), **_IMAGE, "interpolation": "nearest"}),
    "GaussianNoise": ("GaussianNoise", {"stddev": REQUIRED, "seed": None}),
    "GaussianDropout": ("GaussianDropout", {"rate": REQUIRED, "seed": None}),
    "AlphaDropout": ("AlphaDropout", {"rate": REQUIRED, "seed": None, "noise_shape": None}),
    "SpatialDropout2D": ("SpatialDropout2D", {"rate": REQUIRED, "seed": None, **_IMAGE}),
    "Normalization": ("Normalization", {"axis": -1, "invert": False, "mean": None,
                                        "variance": None}),
    "Resizing": ("Resizing", {**_IMAGE, "height": REQUIRED, "width": REQUIRED,
                              "interpolation": "bilinear", "crop_to_aspect_ratio": False,
                              "pad_to_aspect_ratio": False, "fill_mode": "constant",
                              "fill_value": 0.0, "antialias": False}),
    "CenterCrop": ("CenterCrop", {**_IMAGE, "height": REQUIRED, "width": REQUIRED}),
    "RandomCrop": ("RandomCrop", {**_IMAGE, "height": REQUIRED, "width": REQUIRED,
                                  "seed": None}),
    "RandomTranslation": ("RandomTranslation", {"height_factor": REQUIRED,
                                                "width_factor": REQUIRED, **_RANDOM_IMAGE}),
    "RandomShear": ("RandomShear", {"x_factor": 0.0, "y_factor": 0.0, **_RANDOM_IMAGE}),
    **{name: (name, {**_IMAGE, "factor": REQUIRED, **_COLOR})
       for name in ("RandomContrast", "RandomBrightness", "RandomColorDegeneration",
                    "RandomHue", "RandomSaturation", "RandomSharpness",
                    "RandomPosterization")},
    "RandomInvert": ("RandomInvert", {**_IMAGE, "factor": 1.0, **_COLOR}),
    "RandomGrayscale": ("RandomGrayscale", {**_IMAGE, "factor": 0.5}),
    "AutoContrast": ("AutoContrast", {**_IMAGE, "value_range": (0, 255)}),
    "Solarization": ("Solarization", {**_IMAGE, "value_range": (0, 255),
                                      "addition_factor": 0.0, "threshold_factor": 0.0,
                                      "seed": None}),
    "RandomColorJitter": ("RandomColorJitter", {
        **_IMAGE, "value_range": (0, 255), "brightness_factor": None, "contrast_factor": None,
        "saturation_factor": None, "hue_factor": None, "seed": None}),
}
# Layers whose Keras class takes neither trainable nor a DTypePolicy (Keras 3.15 writes
# their dtype by name): SpatialDropout2D.__init__ has no **kwargs.
BARE_CONFIG = ("SpatialDropout2D",)
# Keras's names of a layer's variables (legacy .h5 files name each weight), for
# minicnn's array names that differ; SeparableConv2D's arrays in order.
VARIABLE_NAMES = {"W": "kernel", "b": "bias"}
SEPARABLE_VARIABLES = ("depthwise_kernel", "pointwise_kernel", "bias")
MODEL_CLASSES = ("Sequential", "Functional", "Model")
INPUT_LAYER = "InputLayer"


def to_snake_case(name):
    """Keras's snake case of a class name (keras.src.utils.naming): "MaxPooling2D" ->
    "max_pooling2d", "ReLU" -> "re_lu". Weight groups in .keras files are named so."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def keras_class_of(layer):
    """Keras's class name for a minicnn layer: the row of its class, or of the
    nearest base class in the table (minicnn's ReLU is also an Activation)."""
    by_minicnn_name = {minicnn_name: keras_name for keras_name, (minicnn_name, _) in LAYERS.items()}
    for cls in type(layer).__mro__:
        if cls.__name__ in by_minicnn_name:
            return by_minicnn_name[cls.__name__]
    if type(layer).__name__ == "Lambda":
        raise ValueError(f"{layer.name} (Lambda): a Lambda layer holds a Python function, which "
                         f"a Keras file cannot hold (minicnn's files hold no code, and loading "
                         f"runs none); save_weights and rebuild the model in code, or write the "
                         f"function as a layer minicnn has")
    if type(layer).__name__ == "Operation":
        raise ValueError(f"{layer.name}: arithmetic on symbolic tensors (x + y, x * 2, ...) "
                         f"cannot be written to a Keras file; write it with a layer "
                         f"(layers.Add()([x, y]), layers.Multiply(), layers.Rescaling(2.0))")
    names = ", ".join(sorted(by_minicnn_name))
    raise ValueError(f"{layer.name} ({type(layer).__name__}): Keras files can hold the layers "
                     f"both minicnn and Keras have ({names}); save this model as .npz instead")


# The arrays (by index, in get_weights order) Keras keeps as integers: Normalization's
# count of samples (int64); minicnn keeps every array in floats.
INTEGER_ARRAYS = {"Normalization": (2,)}


def array_kinds(layer, count):
    """"float" or "count" (an integer in Keras's files) for each of ``count`` arrays."""
    integers = INTEGER_ARRAYS.get(keras_class_of(layer), ())
    return ["count" if i in integers else "float" for i in range(count)]


def keras_array(layer, index, array):
    """A layer's array as Keras stores it (Normalization's count as int64)."""
    if index in INTEGER_ARRAYS.get(keras_class_of(layer), ()):
        return np.asarray(np.rint(array), dtype=np.int64)
    return np.asarray(array)


def constant_statistics(layer):
    """Whether a Normalization was given its mean and variance (Keras then keeps them
    in the config, as constants, and no variables in the weights file)."""
    return type(layer).__name__ == "Normalization" and getattr(layer, "given", None) is not None


def file_arrays(layer):
    """{key: array} of a built layer that a Keras file holds (not a Normalization's
    given statistics: those go into its config)."""
    return {} if constant_statistics(layer) else dict(layer.arrays())


def stored_shapes(layer, params, state):
    """{key: shape} of the arrays a Keras file holds for an unbuilt layer made from its
    config: all of them, but none for a Normalization given its mean and variance in
    the config (Keras keeps those as constants, not variables)."""
    if constant_statistics(layer):
        return {}, {}
    return params, state


def variable_names(layer, keras_name):
    """Keras's names of the layer's arrays, in get_weights order (kernel, bias, gamma, ...)."""
    keys = list(file_arrays(layer))
    if keras_name == "SeparableConv2D":
        return list(SEPARABLE_VARIABLES[:len(keys)])
    return [VARIABLE_NAMES.get(key, key) for key in keys]


# -- minicnn -> Keras ------------------------------------------------------------------------
def layer_to_config(layer, dtype):
    """(Keras class name, the layer's Keras config)."""
    keras_name = keras_class_of(layer)
    defaults = LAYERS[keras_name][1]
    own = {key: value for key, value in layer.get_config().items() if key != "name"}
    # a seed only draws randomness: where Keras's class keeps none (RandomGrayscale), it goes
    unknown = sorted(key for key, value in own.items()
                     if key not in defaults and value is not None and key != "seed")
    if unknown:
        raise ValueError(f"{layer.name} ({type(layer).__name__}): {', '.join(unknown)} cannot be "
                         f"written for Keras (Keras's {keras_name} has no such argument)")
    config = {"name": layer.name, "trainable": bool(getattr(layer, "trainable", True)),
              "dtype": dtype_policy(dtype)}
    if keras_name in BARE_CONFIG:  # Keras's class takes no trainable, and a dtype by name
        config = {"name": layer.name, "dtype": np.dtype(dtype).name}
    for key, default in defaults.items():
        value = own[key] if key in own else default
        if value is None and default is not REQUIRED:
            value = default  # minicnn's None for "Keras's default" (data_format=None)
        if value is REQUIRED:
            raise ValueError(f"{layer.name} ({type(layer).__name__}): has no {key}, which "
                             f"Keras's {keras_name} needs")
        config[key] = keras_value(key, value)
    if constant_statistics(layer):  # as Keras writes Normalization(mean=..., variance=...)
        state = layer.arrays()
        config.update(mean=np.asarray(state["mean"]).tolist(),
                      variance=np.asarray(state["variance"]).tolist())
    if keras_name in ("MaxPooling2D", "AveragePooling2D") and config["strides"] is None:
        config["strides"] = config["pool_size"]
    return keras_name, config


def keras_value(key, value):
    """A minicnn argument as Keras writes it: tuples as lists, activation None as
    "linear", initializers and regularizers as Keras's serialized objects."""
    if key == "activation":
        return "linear" if value is None else value
    if key.endswith("_initializer"):
        return serialized("keras.initializers", value)
    if key.endswith("_regularizer"):
        return None if value is None else serialized("keras.regularizers", value)
    if key.endswith("_constraint"):
        return None if value is None else serialized("keras.constraints", value)
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, tuple):
        return [keras_value("", v) for v in value]
    return value


def serialized(module, value):
    """Keras's {"module", "class_name", "config", "registered_name"} for an
    initializer or regularizer given by name ("he_normal", "GlorotUniform") or as an object."""
    if isinstance(value, dict):  # {"class_name", "config"}, as minicnn's get_config gives it
        return {"module": module, "class_name": value["class_name"],
                "config": dict(value.get("config") or {}), "registered_name": None}
    if isinstance(value, str):
        class_name = "".join(part.capitalize() for part in value.split("_")) if (
            "_" in value or value.islower()) else value
        class_name = {"L1l2": "L1L2"}.get(class_name, class_name)
        config = {} if class_name in ("Zeros", "Ones") else {"seed": None}
        if module == "keras.regularizers":
            config = {}
    else:
        class_name = type(value).__name__
        config = value.get_config() if hasattr(value, "get_config") else (
            {"seed": getattr(value, "seed", None)})
        config = {k: keras_value(k, v) for k, v in config.items()}
    return {"module": module, "class_name": class_name, "config": config, "registered_name": None}


def dtype_policy(dtype):
    return {"module": "keras", "class_name": "DTypePolicy",
            "config": {"name": np.dtype(dtype).name}, "registered_name": None}


# -- Keras -> minicnn ------------------------------------------------------------------------
def layer_from_config(class_name, config, where):
    """A new, unbuilt minicnn layer from a Keras layer's class name and config;
    a ValueError naming the file (``where``), the layer and what minicnn lacks."""
    from minicnn.training.saving.checking import LAYER_CLASSES

    name = config.get("name", to_snake_case(class_name))
    if class_name in ("Lambda", "TFOpLambda", "SlicingOpLambda"):
        raise ValueError(f"{where}: layer {name!r} is a Keras {class_name}: it holds Python code, "
                         f"which minicnn never runs from a file; rebuild the model in code "
                         f"(with the function as a layer) and load_weights from the file")
    if class_name not in LAYERS:
        raise ValueError(f"{where}: layer {name!r} is a Keras {class_name}; minicnn has no such "
                         f"layer (it reads {', '.join(sorted(LAYERS))} and models of them)")
    minicnn_name, defaults = LAYERS[class_name]
    cls = LAYER_CLASSES.get(minicnn_name)
    if cls is None:
        raise ValueError(f"{where}: layer {name!r} is a Keras {class_name}; this minicnn has no "
                         f"{minicnn_name} layer yet")
    accepted = set(inspect.signature(cls).parameters)
    arguments = {"name": name}
    for key, value in config.items():
        if key in ("name", "dtype", "batch_input_shape", "batch_shape", "input_shape"):
            continue
        if key == "trainable":
            if "trainable" in accepted:
                arguments[key] = bool(value)
            elif value is False:
                warnings.warn(f"{where}: layer {name!r} is frozen (trainable=False) in the file; "
                              f"minicnn trains every layer", stacklevel=4)
            continue
        if key in accepted:
            arguments[key] = minicnn_value(key, value, where, name)
        elif key.endswith("_initializer") or value is None:
            continue  # the file's weights replace what an initializer would draw
        elif key.endswith(("_regularizer", "_constraint")):
            warnings.warn(f"{where}: layer {name!r} has {key}={value!r:.80} in the file; "
                          f"minicnn's {minicnn_name} has no {key}, so training the loaded model "
                          f"goes without it", stacklevel=4)
        elif key in defaults and same_value(value, defaults[key]):
            continue
        elif key in defaults:
            raise ValueError(f"{where}: layer {name!r} ({class_name}) has {key}={value!r}; "
                             f"minicnn's {minicnn_name} computes only with {key}="
                             f"{keras_value(key, defaults[key])!r}")
        elif value is not False:
            warnings.warn(f"{where}: layer {name!r} ({class_name}) has {key}={value!r:.80}, an "
                          f"argument minicnn does not know; it is left out", stacklevel=4)
    try:
        return cls(**arguments)
    except (TypeError, ValueError, AttributeError, KeyError, OverflowError) as error:
        problem = ValueError(f"{where}: layer {name!r} ({class_name}): {error}")
    # an initializer minicnn does not know? The file's weights replace what it would draw.
    plain = {key: value for key, value in arguments.items() if not key.endswith("_initializer")}
    try:
        layer = cls(**plain) if plain != arguments else None
    except (TypeError, ValueError, AttributeError, KeyError, OverflowError):
        layer = None
    if layer is None:
        raise problem from None
    warnings.warn(f"{problem}; its initializers are left out (the weights come from the file)",
                  stacklevel=4)
    return layer


# Keras writes RandomShear(0.1)'s factors as the range (-0.1, 0.1); minicnn's take 0.1
SYMMETRIC_FACTORS = ("x_factor", "y_factor")


def minicnn_value(key, value, where, name):
    """A Keras config value as minicnn's constructors take it."""
    if key in SYMMETRIC_FACTORS and isinstance(value, list) and len(value) == 2 and \
            all(isinstance(v, (int, float)) for v in value) and value[0] == -value[1]:
        return abs(value[1])
    if key == "axis" and isinstance(value, list) and len(value) == 1:
        return value[0]  # tf.keras 2 writes BatchNormalization's axis as a list: [3]
    if key == "activation":
        if isinstance(value, dict):  # a serialized activation function
            value = value.get("config", value.get("class_name"))
        return None if value == "linear" else value
    if key.endswith(("_initializer", "_regularizer", "_constraint")) and isinstance(value, dict):
        return deserialized(value)
    if isinstance(value, list):
        return tuple(value)
    return value


def deserialized(spec):
    """An initializer or regularizer as minicnn's layers take it: {"class_name",
    "config"}, without the settings Keras writes as null (seed=None, input_axes=None)."""
    config = spec.get("config") or {}
    if not isinstance(config, dict):
        config = {"value": config}  # not a config: the layer's own check refuses it, naming it
    return {"class_name": spec.get("class_name"),
            "config": {k: v for k, v in config.items() if v is not None}}


def same_value(value, default):
    """Whether a config value equals Keras's default (lists and tuples alike)."""
    if isinstance(value, (list, tuple)) or isinstance(default, (list, tuple)):
        try:
            return list(np.ravel(value)) == list(np.ravel(default))
        except (TypeError, ValueError):
            return False
    return value == default
