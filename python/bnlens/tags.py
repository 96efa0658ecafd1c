"""The tag convention BN Lens recognizes (see python/README.md):

    bnlens/rank<R>/<layer>/<quantity>

<layer> is the module path ("layer1.0.bn1") or the Keras layer name, with any "/" turned into ".".
<quantity> is one of

    kind/<Kind>      scalar: the layer's class ("BatchNorm2d", "SyncBatchNorm", ...); value = channels
    pre, post        histogram of the layer's input / output over fixed edges chosen at the first
                     recorded step, plus one underflow and one overflow bucket
    pre_moments,     vector [count, nonfinite, min, max, mean, std] of the same sample (std: ÷ n)
    post_moments
    batch_mean,      vector per channel: the input's mean and biased variance (÷ n) over every axis
    batch_var        but the channel axis, on this rank's batch (before any SyncBatchNorm all-reduce)
    running_mean,    vector per channel: the layer's running statistics after this step's update
    running_var      (PyTorch: unbiased running variance; Keras: moving_variance as Keras keeps it)
    gamma, beta      vector per channel
    nonfinite/<where> scalar: how many NaN/±Inf values <where> (input, output, running_mean,
                     running_var, gamma, beta) holds; written at every recorded step and at the
                     step a cheap per-step check first sees one

A "vector" is a histogram with one bucket per entry: bucket i spans [i, i+1] and its count is the
entry's value (NaN and ±Inf kept as they are). TensorBoard draws it as the per-channel profile over
steps; BN Lens reads the buckets back as the exact per-channel numbers.
"""

PREFIX = "bnlens"
MOMENT_FIELDS = ("count", "nonfinite", "min", "max", "mean", "std")
VECTORS = ("batch_mean", "batch_var", "running_mean", "running_var", "gamma", "beta", "pre_moments", "post_moments")
ALARM_SOURCES = ("input", "output", "running_mean", "running_var", "gamma", "beta")


def layer_key(name):
    return (name or "model").replace("/", ".")


def tag(rank, layer, quantity):
    return "%s/rank%d/%s/%s" % (PREFIX, rank, layer_key(layer), quantity)
