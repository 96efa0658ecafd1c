"""BN Lens' training companion: logs every normalization layer of a PyTorch or Keras 3 model to
TensorBoard event files that BN Lens (and TensorBoard) read.

    import bnlens.torch
    watcher = bnlens.torch.watch(model, "runs/exp1", every=50)

    import bnlens.keras
    model.fit(..., callbacks=[bnlens.keras.Callback("runs/exp1", every=50)])

The tag convention is in python/README.md and in bnlens/tags.py.
"""

__version__ = "0.1.0"
