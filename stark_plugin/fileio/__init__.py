"""Readers and writers of tracking benchmark file formats."""
