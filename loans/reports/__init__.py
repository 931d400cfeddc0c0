"""Fleet reports: the figures region managers, heads and IT staff read, as plain Structs.

One module per figure group (fleet, coverage, loan states, incidents, activity, campaigns),
each an async function `(target) -> Struct` where the target (`loans.reports.target`) holds
the caller's scope already applied: the region or establishment asked, the period, today.
Every figure is a GROUP BY done by the database (a few hundred rows come back, never the
devices, students or loans themselves); rows carry the keys a drill-down needs (region code,
establishment UAI, model id, state) so that a dashboard or an export uses them as they are.
"""
