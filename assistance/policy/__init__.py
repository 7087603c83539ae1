"""Pure policy rules (policy.md, evaluate.md). No Django, DRF, Celery or model imports here."""
