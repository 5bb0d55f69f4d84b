"""The REST API (/api/v1) for other platforms, and the administration of their API clients.

Modules: `base` (every resource: auth, permissions, scope, paging, errors, audit), `auth` (keys,
JWT, sessions), `errors`, `schemas`, one module per resource (`cases`, `ledgers`, `mediation`,
`reference`, `session`, `attachments` — files of records, and the 督办 answers and
joint meetings they belong to), `openapi` (spec and Swagger UI), `models`/`views` (API clients).
"""
