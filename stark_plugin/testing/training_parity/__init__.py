"""Training parity with the official STARK code.

:func:`check_training_parity` runs the code ``tools/train.py`` runs on a
fixture of the official training code (``tests/data/reference/train``;
format in its ``README.md``) and prints one table of checks:

* processing (:mod:`.processing`): the shipped stage-1 config's training
  transforms on the fixture's samples, with its recorded jitter draws;
* the batch: ``PackSOTInputs``, ``pseudo_collate`` and the model's data
  preprocessor;
* each recorded step (:mod:`.step`): the shipped R50 config without
  dropout, the fixture's official weights (:mod:`.model`), ``train()`` mode
  and ``model.train_step`` with the config's ``OptimWrapper``;
* the settings (:mod:`.facts`): the shipped configs against
  ``facts.json``.

Everything (sample count, batch composition, labels, stored tensors,
sizes) is read from the fixture folder (:mod:`.fixture`); tolerances are
the fixture README's suggestions.
"""
from .check import DEFAULT_CONFIGS, check_training_parity
from .fixture import Fixture, FixtureError
from .report import Report

__all__ = ['check_training_parity', 'DEFAULT_CONFIGS', 'Fixture',
           'FixtureError', 'Report']
