"""Population dynamics: evolve N samples of a model for G generations.

The numeric core of a run. It knows the model (data), its kernels, and a *store* that
receives what a run produces (rows, snapshots, checkpoints); it knows nothing of files,
the command line, or plotting.

The linear recursions grow or shrink like exp(v n), far beyond float64 after a few hundred
generations. The population is therefore kept normalized: a sample holds
``g = Gamma / exp(log_scale)`` with ``log_scale = log_scale0 + scale_exponent * ln 2``, and
after each generation ``g`` is divided by the power of two nearest to its geometric mean.
Dividing by a power of two is exact, and ``scale_exponent`` is an integer, so the physical
ln Gamma of every sample stays exact and representable for any number of generations.
"""

import math
import time
from dataclasses import dataclass

import numpy as np

from .errors import ConfigError
from .kernels import kernels_for
from .kernels.reductions import log_summary, rescale_by_power_of_two
from .rng import generation_key

LN2 = math.log(2.0)

#: Columns of the per-generation table, with their meaning (logs are natural, of physical Gamma).
COLUMNS = {
    "n": "generation",
    "log_scale": "ln of the unit the normalized population is stored in",
    "mean_ln": "<ln Gamma> over samples with Gamma > 0",
    "sd_ln": "standard deviation of ln Gamma over samples with Gamma > 0",
    "ln_q01": "1% quantile of ln Gamma (-inf: an exact zero)",
    "ln_q10": "10% quantile of ln Gamma",
    "ln_q25": "25% quantile of ln Gamma",
    "ln_q50": "median of ln Gamma",
    "ln_q75": "75% quantile of ln Gamma",
    "ln_q90": "90% quantile of ln Gamma",
    "ln_q99": "99% quantile of ln Gamma",
    "zero_fraction": "fraction of samples exactly 0 (no decay term anywhere below them)",
    "ln_gamma_mle": "ln of the Levy-scale MLE n_pos / (2 sum 1/Gamma) over Gamma > 0",
    "ln_mean": "ln <Gamma> over all samples",
    "ln_var": "ln Var Gamma over all samples",
    "edges": "child samples gathered to build this generation (3 per decay term)",
    "wall_s": "wall time of this generation, seconds",
}
#: Quantiles summarized for every field after the first (Anderson's R: its own columns ``R_q01`` ... ``R_q99``).
FIELD_QUANTILES = (0.01, 0.10, 0.25, 0.50, 0.75, 0.90, 0.99)
_SHIFTED_BY_SCALE = ("mean_ln", "ln_q01", "ln_q10", "ln_q25", "ln_q50", "ln_q75", "ln_q90", "ln_q99",
                     "ln_gamma_mle", "ln_mean")


@dataclass
class State:
    """A population after ``generation`` generations: everything needed to continue a run."""

    generation: int
    values: np.ndarray  # shape (len(model.fields), N); row 0 is Gamma in units of exp(log_scale), the rest physical
    log_scale0: float
    scale_exponent: int = 0

    @property
    def log_scale(self):
        return self.log_scale0 + self.scale_exponent * LN2

    @property
    def size(self):
        return self.values.shape[1]

    def ln_gamma(self):
        """Physical ln Gamma of every sample (-inf for exact zeros)."""
        with np.errstate(divide="ignore"):
            return np.log(self.values[0], dtype=np.float64) + self.log_scale

    def fields(self, model):
        """The sample fields as physical arrays keyed by name; Gamma as ln Gamma."""
        out = {"gamma": self.ln_gamma()}
        out.update((name, self.values[k]) for k, name in enumerate(model.fields) if k > 0)
        return out


DTYPES = ("float64", "float32")


def check_dtype(dtype):
    """Refuse a population storage other than ``DTYPES`` (a ConfigError: one line for the user)."""
    if dtype not in DTYPES:
        raise ConfigError(f"dtype must be one of {', '.join(DTYPES)}, got {dtype!r}")


def initial_state(model, size, dtype="float64"):
    """Generation 0 of ``model`` with ``size`` samples stored as ``dtype``.

    float32 halves the memory of a population (10^9 samples in 8 GB for both buffers); the
    kernels still accumulate every sample's terms in float64.
    """
    check_dtype(dtype)
    values, log_scale0 = kernels_for(model).initial(model, size, dtype)
    return State(generation=0, values=values, log_scale0=log_scale0)


def _quantile_column(field, q):
    return f"{field}_q{round(100 * q):02d}"


def columns(model):
    """The columns of a model's table of generations, with their meaning: ``COLUMNS`` for Gamma
    (the first field), then the ``FIELD_QUANTILES`` of every further field (``R_q50``, ...)."""
    out = dict(COLUMNS)
    for field in model.fields[1:]:
        out.update((_quantile_column(field, q), f"{q:.0%} quantile of {field}") for q in FIELD_QUANTILES)
    return out


def summarize(state, model, edges=0, wall_s=0.0):
    """The table row of a state (see ``columns``)."""
    row = log_summary(state.values[0])
    L = state.log_scale
    for name in _SHIFTED_BY_SCALE:
        row[name] += L
    row["ln_var"] += 2.0 * L
    row.update(n=state.generation, log_scale=L, edges=edges, wall_s=wall_s)
    for k, field in enumerate(model.fields[1:], start=1):
        values = np.quantile(state.values[k].astype(np.float64), FIELD_QUANTILES)
        row.update((_quantile_column(field, q), v) for q, v in zip(FIELD_QUANTILES, values))
    return {name: (int(row[name]) if name in ("n", "edges") else float(row[name])) for name in columns(model)}


def step(model, state, seed, buffer=None):
    """Advance ``state`` by one generation in place; returns ``(row, buffer)``.

    ``buffer`` is scratch of the shape of ``state.values``; the two are swapped, so pass the
    returned buffer back in to avoid allocating each generation.
    """
    kernel = kernels_for(model).generation
    if buffer is None:
        buffer = np.empty_like(state.values)
    t0 = time.perf_counter()
    n = state.generation + 1
    edges = kernel(model, state.values, buffer, generation_key(seed, n), state.log_scale)
    state.values, buffer = buffer, state.values
    state.generation = n
    row = summarize(state, model, edges)
    if model.rescaled and np.isfinite(row["mean_ln"]):
        shift = round((row["mean_ln"] - state.log_scale) / LN2)
        rescale_by_power_of_two(state.values[0], shift)
        state.scale_exponent += shift
    row["wall_s"] = time.perf_counter() - t0
    return row, buffer


def sample(model, state, generations, seed):
    """Advance ``state`` in place up to generation ``generations``, yielding it after each one.

    The loop of a run, as a generator (emcee's ``sample()``): it computes and nothing else.
    The caller owns what happens between generations (storing rows and snapshots,
    checkpoints, progress, signals) and may stop at any yield; ``state`` is then a complete
    generation, ready to be continued by another ``sample`` call.

    Parameters
    ----------
    model : a model of ``popdyn.models``
    state : State
        Modified in place.
    generations : int
        The last generation to build.
    seed : int
        Key of all random streams: generation n of a run depends only on (seed, n, state).

    Yields
    ------
    (State, dict)
        The state after each new generation (the same object each time) and its table row.

    Examples
    --------
    >>> from popdyn.models import BAATree
    >>> state = initial_state(BAATree(lam=0.01, T=3.3), 1000)
    >>> [row["n"] for _, row in sample(BAATree(lam=0.01, T=3.3), state, 3, seed=1)]
    [1, 2, 3]
    """
    buffer = None
    while state.generation < generations:
        row, buffer = step(model, state, seed, buffer)
        yield state, row


def memory_needed(model, size, dtype, snapshots=False):
    """Bytes a run of ``size`` samples holds at its peak: the population and its buffer.

    ``snapshots``: a snapshot generation also holds ln Gamma of every sample as float64.
    Per-generation statistics select quantiles in place (``popdyn.kernels.reductions``).
    """
    per_sample = 2 * len(model.fields) * np.dtype(dtype).itemsize + (8 if snapshots else 0)
    return int(size) * per_sample
