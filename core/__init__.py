"""Shared helpers below every app: ID numbers, months and working days, masking, input validators, view helpers,
the read-only admin, the exception middleware, and the spreadsheet toolkits. ``core`` imports no app."""
