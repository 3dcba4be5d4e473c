"""Team counts for IT (opt-in by machine policy only): aggregate counters over OTLP/HTTP."""
