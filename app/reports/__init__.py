"""Reports: the figures managers read (figures.py; the layers it stands on: see its docstring),
the dashboard, supervision and rates reports, bulletins and their exports."""
