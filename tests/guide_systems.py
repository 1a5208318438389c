"""The index systems the analyst guide declares in its project copy (tests/test_analyst_guide.py), named
here so that other modules can look for them without importing that test module (which registers its
early build)."""
SYSTEM = "guide_demo"  # the provincial "Add an index system" example
COUNTY_SYSTEM = "county_development"
FIRM_SYSTEM = "firm_innovation"
