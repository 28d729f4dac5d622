from .stark_data_preprocessor import StarkDataPreprocessor

__all__ = ['StarkDataPreprocessor']
