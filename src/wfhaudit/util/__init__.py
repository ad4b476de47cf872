"""Small shared helpers: text sanitizing, time formats, durations, atomic files, value display."""
