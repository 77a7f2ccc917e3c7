"""Studies: sweeps and designs over scenarios and postures, sensitivity, the results store."""
