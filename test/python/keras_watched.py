"""Trains a small Keras 3 CNN for 8 batches with bnlens.keras.Callback (every=1, a probe batch) and
dumps what test/unit/python/keras.test.ts checks the logs against (run with PYTHONPATH=python):

    python3 test/python/keras_watched.py OUT_DIR

OUT_DIR/logs gets the event files; OUT_DIR/expected.json the model's final moving statistics, γ and β,
the per-channel mean/variance of the first BatchNormalization's input on the probe batch with the final
weights, and the moving mean of the same training without the callback (the probe must not change it).
"""

import json
import os
import sys

import keras
import numpy as np

import bnlens.keras


def build():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((12, 12, 3)), keras.layers.Conv2D(8, 3, name="conv"), keras.layers.BatchNormalization(name="bn"), keras.layers.ReLU(),
        keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(16), keras.layers.LayerNormalization(name="ln"), keras.layers.Dense(4)])
    model.compile("sgd", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def main():
    out = sys.argv[1]
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((64, 12, 12, 3)) * 2 + 1).astype("float32")
    y = rng.integers(0, 4, 64)
    plain = build()
    plain.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    model = build()
    callback = bnlens.keras.Callback(os.path.join(out, "logs"), every=1, probe=x[:16])
    model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0, callbacks=[callback])
    kind = callback.writer_kind
    callback.close()
    bn = model.get_layer("bn")
    conv_out = np.asarray(keras.Model(model.inputs[0], model.get_layer("conv").output)(x[:16]), dtype=np.float64)
    as_list = lambda v: np.asarray(v, dtype=np.float64).reshape(-1).tolist()
    expected = {
        "writer": kind, "steps": callback.step, "backend": keras.backend.backend(),
        "moving_mean": as_list(bn.moving_mean), "moving_variance": as_list(bn.moving_variance), "gamma": as_list(bn.gamma), "beta": as_list(bn.beta),
        "ln_gamma": as_list(model.get_layer("ln").gamma),
        "probe_mean": conv_out.mean(axis=(0, 1, 2)).tolist(), "probe_var": conv_out.var(axis=(0, 1, 2)).tolist(),
        "moving_mean_without_callback": as_list(plain.get_layer("bn").moving_mean),
    }
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected, f)


if __name__ == "__main__":
    main()
