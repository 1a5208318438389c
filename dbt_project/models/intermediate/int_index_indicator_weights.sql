-- Entropy, redundancy (1 - entropy) and weight of every indicator within its weighting scope,
-- standardising each value inside the aggregate (the same weights as from int_index_standardised,
-- without reading it: one pass over the values).
{{ nqp_entropy_weights_from_values(
    ref('int_index_inputs'), ref('int_index_indicator_ranges'), ['system', 'period_scheme', 'period']
) }}
