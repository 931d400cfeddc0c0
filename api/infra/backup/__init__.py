"""`ordipret backup` and `ordipret restore`: one archive file holding a consistent copy of a
deployment (its database and its documents), and the way back onto an empty one.

- `archive`: the file itself (a tar: the database, the documents, a manifest of hashes);
- `sqlite`, `postgres`: the consistent snapshot and the restore of each engine;
- `documents`: the storage directory copied after the snapshot, and put back;
- `taking`, `restoring`: the two procedures, from the settings to the summary.
"""
