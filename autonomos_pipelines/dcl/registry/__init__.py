"""The mapping registry and its workflow: tenants and connectors, versioned field mappings,
proposals, approvals, rejections, rollbacks, reviewers' roles, the audit trail and the global
baseline."""
