-- Range (min, max), shift and count of every indicator within its weighting scope, with its direction
-- from the index catalogue (the pass over the values reads no direction); the build stops here,
-- naming the indicator and scope, if one is constant or missing (it cannot be weighted).
{{ nqp_indicator_ranges(
    ref('int_index_inputs'), ['system', 'period_scheme', 'period'], shift='shift',
    directions=ref('index_indicators'), direction_keys=['system', 'indicator']
) }}
