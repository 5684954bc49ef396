"""The reports' pure statistics, without a database or a clock: the I-MR control chart and its run rules,
before/after comparison with Mood's median test, Pareto shares, and a sample's median, p90 and histogram."""
