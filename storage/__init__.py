"""The output dataset: schemas, Parquet writing, transactional commits."""
