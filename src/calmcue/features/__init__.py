"""Per-frame voice features in numpy, vectorised over frames and channels (librosa-style functions)."""
