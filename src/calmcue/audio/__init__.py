"""Audio in and out of the machine: devices, capture (the callback), sources, file reading and resampling.

Only this package touches sounddevice, soundfile or any other audio I/O library; it knows nothing of features,
the detector or analysis.
"""
