"""Reading raw inputs and stripping web boilerplate: plain functions, no Prefect."""
