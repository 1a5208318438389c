"""Figures of the reports (PNG + SVG, Chinese text in Noto Sans CJK): index over time by region
group, weight bars by dimension, kernel density of the index across regions, choropleth map."""
