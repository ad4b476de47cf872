"""Re-judging verified reports: accepted policies loaded once per digest and memoized findings."""
