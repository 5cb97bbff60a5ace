"""Reports: the JSON report, and the checklist as a terminal block, Markdown and annotations."""
