"""After attempts: rankings of people and units, flags, prizes, item statistics, regrading, exports."""
