"""placement_min: a small, hardened Placement inventory API."""
