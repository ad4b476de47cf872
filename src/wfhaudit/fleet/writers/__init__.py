"""Fleet outputs: JSON, JUnit XML, CSV, Markdown and the HTML page."""
