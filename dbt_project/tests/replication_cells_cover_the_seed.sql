-- Every published cell appears in the replication mart exactly once (the join to our values may not
-- drop or duplicate a cell): seed cells missing from the mart, or mart rows per cell other than one.
select published.cell_id, count(mart.cell_id) as n_rows
from {{ ref('published_cells') }} as published
left join {{ ref('replication_cells') }} as mart on published.cell_id = mart.cell_id
group by published.cell_id
having count(mart.cell_id) <> 1
