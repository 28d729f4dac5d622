from .sot_metric import SOTMetric

__all__ = ['SOTMetric']
