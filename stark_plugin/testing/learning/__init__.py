"""The proof that STARK training learns: synthetic videos, both training
stages through ``tools/train.py``, tracking through ``tools/test.py``
against two baselines, and the score head's ROC AUC on held-out samples
(:mod:`.proof`), judged by statistical criteria (:mod:`.criterion`)."""
from .criterion import (LearningCriterion, learning_failures,
                        log_loss_gain, roc_auc, roc_auc_lower_bound,
                        roc_auc_standard_error)
from .proof import (LearningSettings, run_learning_proof,
                    verify_training)
from .user_tools import LearningRunError

__all__ = ['LearningCriterion', 'LearningRunError', 'LearningSettings',
           'learning_failures', 'log_loss_gain', 'roc_auc',
           'roc_auc_lower_bound', 'roc_auc_standard_error',
           'run_learning_proof', 'verify_training']
