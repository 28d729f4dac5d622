"""Proofs that tools and tests share: training parity with the official
STARK code (:mod:`.training_parity`) and the proof that training learns
(:mod:`.learning`)."""
