"""Documents too long to draw inside a request (a stocktake report of thousands of devices,
sheets of thousands of labels, a class's conventions), prepared by a job queue on the app's
own database.

- `tables`: the `job` table; `queue`: enqueue, claim, heartbeat, finish, expire;
- `kinds`: what each kind of job does; `worker`: runs the queue, in the app's process (started
  in its lifespan) or in `ordipret worker`.

The request that asks for such a document only checks it and enqueues it: 202 Accepted, and
`/api/v1/jobs/{id}` (or the page `/documents/{id}`) follows its progress to the download.
"""
