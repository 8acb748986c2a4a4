-- Deploy animus:table_scope_bindings to pg
-- Binding a role to its scopes makes a scope a security boundary: a tenant's agent logs in as
-- its own role, bound to its tenant's scopes, and every memory function (through
-- animus._check_scope) refuses any other scope with AN027, whatever the agent passes. A role
-- with no binding may use any scope, so animus_app, operators and every existing deployment
-- keep working unchanged.
-- Why a table read by the functions, not row-level security or a session setting: the memory
-- functions are SECURITY DEFINER and run as the table owner, who bypasses RLS; and a session
-- setting is set by the session itself, so the agent could change it.
BEGIN;

CREATE TABLE animus.scope_bindings (
    role_name  name NOT NULL,
    scope      text NOT NULL CHECK (octet_length(scope) <= 255 AND scope ~ '^[A-Za-z0-9._:@/=+-]+$'),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (role_name, scope)
);
COMMENT ON TABLE animus.scope_bindings IS
    'The scopes a role may use in the memory functions (AN027 for any other). A role without a '
    'row here may use every scope. Written through animus.bind_scope / unbind_scope.';
REVOKE ALL ON animus.scope_bindings FROM PUBLIC;
GRANT SELECT ON animus.scope_bindings TO animus_ops;

COMMIT;
