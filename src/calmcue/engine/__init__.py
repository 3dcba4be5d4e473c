"""The engine: resampler -> reframer -> features -> detector, shared by live, offline and benchmark runs."""
