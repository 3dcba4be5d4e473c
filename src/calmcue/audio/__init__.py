"""Audio in: the streaming front end (resampler, reframer) and, for live use, capture and devices.

Only this package touches sounddevice or any other audio I/O library.
"""
