"""Prefect flows: orchestration only; the work is in parsers/, dedup/ and storage/."""
