"""The worker process (`flask --app run xf worker`): scheduled jobs and the Excel imports.

See app/worker/runner.py for how it runs and app/worker/lease.py for how several workers share
the work (each scheduled job runs once per slot, whichever worker takes it).
"""
