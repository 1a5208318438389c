"""dbt's `graph` for sqlfluff's jinja templater: no nodes (a model walking the graph, e.g. the
replication mart reading the studies' SQL, renders its empty case). Not used by dbt itself."""

nodes: dict = {}
