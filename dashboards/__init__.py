"""Voila dashboards served by `workbench dashboard`."""
