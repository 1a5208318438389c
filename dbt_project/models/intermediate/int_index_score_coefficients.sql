-- Per indicator and scope: the map of a raw value to its weighted standardised value
-- (anchor, signed inverse range, shift) and the best / worst weighted value TOPSIS measures distances to.
{{ nqp_score_coefficients(
    ref('int_index_indicator_ranges'), ref('int_index_indicator_weights'), ['system', 'period_scheme', 'period']
) }}
