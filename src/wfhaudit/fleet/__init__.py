"""Fleet aggregation: verify many reports in parallel, judge them, summarise, gate, keep history."""
