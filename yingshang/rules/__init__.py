"""The rules engine: eligibility rules and benefit formulas as data. Framework-free: never imports Django."""
