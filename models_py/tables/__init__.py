"""Study tables: descriptive statistics and regression tables computed from declarations."""
