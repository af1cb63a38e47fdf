"""Named measures computed from the cube: pooled shares over a window, per-procedure shares."""
