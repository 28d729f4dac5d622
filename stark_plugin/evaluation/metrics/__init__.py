from .sot_metric import SOTMetric
from .vot_metric import VOTMetric

__all__ = ['SOTMetric', 'VOTMetric']
