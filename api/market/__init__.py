"""The market (issue 3): registries of agencies, service items, workers, customers; logins and tokens.

``schemas_*`` hold the request and response bodies, the other modules the rules that write the records
(used by the routes in api/routes/ and by the demo seed, so demo data goes through the same checks)."""
