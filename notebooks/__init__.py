"""Report templates for `workbench report` (parameterized notebooks run with papermill)."""
