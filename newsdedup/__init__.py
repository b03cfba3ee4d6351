"""newsdedup: clean and deduplicate raw news dumps into Parquet datasets, as Prefect flows."""

__version__ = "0.1.0"
