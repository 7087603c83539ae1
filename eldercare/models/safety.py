"""eldercare models: safety — inspections, hazards and rectification, resident risk assessments and incidents
(GB 38600-2019), renovation projects and their files."""

from __future__ import annotations
