"""Exact and near-duplicate detection with MinHash (datasketch) and LSH."""
