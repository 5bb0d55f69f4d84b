"""Reports: the figures managers read (figures.py), the dashboard, supervision and rates reports,
bulletins and their exports."""
