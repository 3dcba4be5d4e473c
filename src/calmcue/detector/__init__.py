"""Per-speaker baselines and one small state machine per cue kind; the clock is the frame index."""
