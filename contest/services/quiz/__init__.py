"""Taking a round: who may (participation), the draw, start / save / submit / finalise, scoring."""
