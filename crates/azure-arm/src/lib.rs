//! Azure Resource Manager client: tokens, long-running operations, tenant discovery.
