"""Speed and memory of painpath, each against a baseline computed in the same run."""
