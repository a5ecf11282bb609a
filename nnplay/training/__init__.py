"""Training, MATLAB style: ``trainingOptions`` and ``trainNetwork``."""

from .options import (
    TrainingOptions,
    TrainingOptionsADAM,
    TrainingOptionsSGDM,
    trainingOptions,
)
from .train_network import TrainingInfo, population_statistics, trainNetwork

__all__ = [
    "TrainingInfo",
    "TrainingOptions",
    "TrainingOptionsADAM",
    "TrainingOptionsSGDM",
    "population_statistics",
    "trainNetwork",
    "trainingOptions",
]
