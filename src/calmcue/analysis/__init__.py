"""Offline analysis of recordings: the same engine as live, run as fast as the CPU allows."""
