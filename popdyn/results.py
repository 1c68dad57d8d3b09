"""Shapes every result shares: the named interval, as scipy.stats writes it."""

from collections import namedtuple

#: A confidence interval with named ends, like ``scipy.stats``' ``ConfidenceInterval``.
ConfidenceInterval = namedtuple("ConfidenceInterval", ["low", "high"])
