"""From samples to per-frame voice features in numpy: the reframer cuts hops and windows, then level, pitch, tilt,
rate and voice activity, vectorised over frames and channels (librosa-style functions)."""
