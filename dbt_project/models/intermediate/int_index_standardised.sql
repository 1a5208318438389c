-- Direction-aware min-max standardisation of every indicator within its weighting scope.
{{ nqp_standardise(
    ref('int_index_inputs'), ['system', 'period_scheme', 'period'], ranges=ref('int_index_indicator_ranges')
) }}
