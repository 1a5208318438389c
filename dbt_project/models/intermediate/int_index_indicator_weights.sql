-- Entropy, redundancy (1 - entropy) and weight of every indicator within its weighting scope.
{{ nqp_entropy_weights(ref('int_index_standardised'), ['system', 'period_scheme', 'period']) }}
